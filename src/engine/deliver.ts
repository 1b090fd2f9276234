import { resolve } from 'node:path';
import type { DeliverTarget } from '../core/model.js';
import type { Secret } from '../core/secret.js';
import { displayPath } from '../io/display-path.js';
import { SecretFiles } from '../sinks/file-sink.js';
import type { GitHubSecrets } from '../sinks/github-secret.js';
import { envVarName, formatForPath } from '../sinks/secret-file-format.js';
import { describeWriteError } from './sink-checks.js';

/** Where one new secret goes: the targets keys.yaml declares now, and this run's --secrets-out. */
export interface DeliveryRequest {
  provider: string;
  /** The key's name. */
  name: string;
  targets: readonly DeliverTarget[];
  secretsOut?: string;
  /** The recovery file an earlier apply already saved this secret to: reused, so no second copy is made. */
  recoveryFile?: string;
}

export interface DeliveryResult {
  delivered: string[];
  failures: string[];
  /** Set when a sink failed and the secret was saved to the recovery file instead (an absolute path). */
  recoveryFile?: string;
}

/** Puts new secrets where they are needed; when a sink fails, into a 0600 recovery file, so none is lost. */
export class SecretDelivery {
  readonly #files = new SecretFiles();
  #github: GitHubSecrets | undefined;
  readonly #recoveryPath: string;

  /** `github`: the GitHub Actions secrets sink; by default one reading its token from process.env when first used. */
  constructor(recoveryPath: string, options: { github?: GitHubSecrets } = {}) {
    this.#recoveryPath = resolve(recoveryPath);
    this.#github = options.github;
  }

  async deliver(entry: DeliveryRequest, secret: Secret): Promise<DeliveryResult> {
    const attempts = this.#targets(entry).map(async ({ label, write }) => {
      try {
        await write(secret);
        return { label, error: undefined };
      } catch (error) {
        return { label, error: `${label}: ${describeFailure(error)}` };
      }
    });
    const results = await Promise.all(attempts);
    const delivered = results.filter((r) => r.error === undefined).map((r) => r.label);
    const failures = results.flatMap((r) => (r.error === undefined ? [] : [r.error]));
    if (failures.length === 0) return { delivered, failures };
    const recoveryFile = entry.recoveryFile ?? this.#recoveryPath;
    await this.#files.writer(recoveryFile, 'dotenv').write(recoveryVar(entry), secret);
    return { delivered, failures, recoveryFile };
  }

  /** Takes a delivered secret out of the recovery file an earlier apply saved it to; an emptied file is deleted. */
  async forgetRecovered(entry: DeliveryRequest & { recoveryFile: string }): Promise<void> {
    await this.#files.writer(entry.recoveryFile, 'dotenv').remove(recoveryVar(entry));
  }

  /** The GitHub sink (octokit, libsodium) loads only when a key delivers there. */
  async #githubSink(): Promise<GitHubSecrets> {
    if (!this.#github) {
      const { GitHubSecrets } = await import('../sinks/github-secret.js');
      this.#github ??= new GitHubSecrets();
    }
    return this.#github;
  }

  #targets(entry: DeliveryRequest): { label: string; write: (secret: Secret) => Promise<void> }[] {
    const targets = entry.targets.map((target) => {
      if (target.type === 'file') {
        const writer = this.#files.writer(target.path, target.format);
        return { label: `${displayPath(writer.path)} (${target.var})`, write: (secret: Secret) => writer.write(target.var, secret) };
      }
      const where = target.environment === undefined ? target.repo : `${target.repo} environment ${target.environment}`;
      return { label: `github-secret ${where} (${target.name})`, write: async (secret: Secret) => (await this.#githubSink()).write(target, secret) };
    });
    if (entry.secretsOut) {
      const writer = this.#files.writer(entry.secretsOut, formatForPath(entry.secretsOut));
      const name = envVarName(entry.name);
      targets.push({ label: `${displayPath(writer.path)} (${name})`, write: (secret: Secret) => writer.write(name, secret) });
    }
    return targets;
  }
}

function recoveryVar(entry: Pick<DeliveryRequest, 'provider' | 'name'>): string {
  return `${envVarName(entry.name)}__${entry.provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** File-system errors say what went wrong without echoing file contents. */
function describeFailure(error: unknown): string {
  if ((error as NodeJS.ErrnoException).code) return describeWriteError(error);
  return error instanceof Error ? error.message : 'delivery failed';
}
