import sodium from 'libsodium-wrappers';
import type { DeliverTarget } from '../core/model.js';
import type { Secret } from '../core/secret.js';
import { createGitHubClient, githubFailure, GitHubError, type GitHubClient, type GitHubOperation } from '../github/octokit.js';
import type { Env } from '../github/token.js';

export type GitHubSecretTarget = Extract<DeliverTarget, { type: 'github-secret' }>;

export interface GitHubSecretsOptions {
  /** Where the token and GITHUB_API_URL are read, when the first secret goes to GitHub. */
  env?: Env;
  /** Replaces the global fetch, for tests. */
  fetch?: typeof globalThis.fetch;
}

interface PublicKey {
  keyId: string;
  key: Uint8Array;
}

/**
 * Delivers secrets into GitHub Actions secrets (repository, or environment when the target names one):
 * fetches the repository's or environment's public key (once per apply), seals the secret with it
 * (libsodium sealed box, as GitHub requires) and PUTs the sealed value. Only the sealed value leaves.
 */
export class GitHubSecrets {
  readonly #options: GitHubSecretsOptions;
  #client: GitHubClient | undefined;
  /** Promises, so deliveries running at once to one repository share one request. */
  readonly #publicKeys = new Map<string, Promise<PublicKey>>();

  constructor(options: GitHubSecretsOptions = {}) {
    this.#options = options;
  }

  async write(target: GitHubSecretTarget, secret: Secret): Promise<void> {
    const client = this.#connect();
    const { owner, repo } = splitRepo(target.repo);
    const publicKey = await this.#publicKey(client, target, owner, repo);
    const encrypted_value = await seal(secret, publicKey.key);
    const request = { owner, repo, secret_name: target.name, encrypted_value, key_id: publicKey.keyId };
    try {
      if (target.environment === undefined) await client.octokit.rest.actions.createOrUpdateRepoSecret(request);
      else await client.octokit.rest.actions.createOrUpdateEnvironmentSecret({ ...request, environment_name: target.environment });
    } catch (error) {
      throw githubFailure(error, operation(target, 'write secrets'), withSecretRedacted(client, secret));
    }
  }

  #connect(): GitHubClient {
    this.#client ??= createGitHubClient({
      env: this.#options.env ?? process.env,
      ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
    });
    return this.#client;
  }

  #publicKey(client: GitHubClient, target: GitHubSecretTarget, owner: string, repo: string): Promise<PublicKey> {
    const cacheKey = `${target.repo.toLowerCase()}\n${target.environment ?? ''}`;
    let cached = this.#publicKeys.get(cacheKey);
    if (!cached) {
      cached = fetchPublicKey(client, target, owner, repo);
      this.#publicKeys.set(cacheKey, cached);
      // A failure is not remembered: the next delivery to this repository asks again.
      const fetched = cached;
      fetched.catch(() => {
        if (this.#publicKeys.get(cacheKey) === fetched) this.#publicKeys.delete(cacheKey);
      });
    }
    return cached;
  }
}

async function fetchPublicKey(client: GitHubClient, target: GitHubSecretTarget, owner: string, repo: string): Promise<PublicKey> {
  let data: { key_id: string; key: string };
  try {
    const response =
      target.environment === undefined
        ? await client.octokit.rest.actions.getRepoPublicKey({ owner, repo })
        : await client.octokit.rest.actions.getEnvironmentPublicKey({ owner, repo, environment_name: target.environment });
    data = response.data;
  } catch (error) {
    throw githubFailure(error, operation(target, 'read the Actions secrets public key'), client);
  }
  await sodium.ready;
  const key = decodePublicKey(data.key);
  if (!key || typeof data.key_id !== 'string') throw new GitHubError(`GitHub sent a malformed Actions secrets public key for ${describe(target)}`);
  return { keyId: data.key_id, key };
}

function decodePublicKey(base64: unknown): Uint8Array | undefined {
  if (typeof base64 !== 'string') return undefined;
  try {
    const key = sodium.from_base64(base64, sodium.base64_variants.ORIGINAL);
    return key.length === sodium.crypto_box_PUBLICKEYBYTES ? key : undefined;
  } catch {
    return undefined;
  }
}

async function seal(secret: Secret, publicKey: Uint8Array): Promise<string> {
  await sodium.ready;
  const plaintext = sodium.from_string(secret.reveal());
  try {
    return sodium.to_base64(sodium.crypto_box_seal(plaintext, publicKey), sodium.base64_variants.ORIGINAL);
  } finally {
    sodium.memzero(plaintext);
  }
}

function splitRepo(fullName: string): { owner: string; repo: string } {
  const [owner, repo, ...rest] = fullName.split('/');
  if (!owner || !repo || rest.length > 0) throw new GitHubError(`"${fullName}" is not a repository: write it as owner/name`);
  return { owner, repo };
}

function operation(target: GitHubSecretTarget, action: string): GitHubOperation {
  return {
    action,
    repo: target.repo,
    ...(target.environment === undefined ? {} : { environment: target.environment }),
    permission: target.environment === undefined ? 'secrets: write' : 'environments: write',
  };
}

function describe(target: GitHubSecretTarget): string {
  return target.environment === undefined ? target.repo : `environment "${target.environment}" of ${target.repo}`;
}

/** The plaintext never goes to GitHub, so GitHub cannot echo it; this makes sure of it anyway. */
function withSecretRedacted(client: GitHubClient, secret: Secret): Pick<GitHubClient, 'tokenVariable' | 'baseUrl' | 'redact'> {
  const plaintext = secret.reveal();
  return {
    tokenVariable: client.tokenVariable,
    baseUrl: client.baseUrl,
    redact: (text) => {
      const clean = client.redact(text);
      return plaintext === '' ? clean : clean.split(plaintext).join('[redacted]');
    },
  };
}
