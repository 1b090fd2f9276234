import { readFile } from 'node:fs/promises';

/** One captured text (a command's stdout, a server's log, a written file) to scan for secrets. */
interface Transcript {
  label: string;
  text: string;
}

/**
 * Every secret a test made, and every text the test saw. `assertNoLeaks` fails when any
 * secret appears in any transcript. Workspaces feed it automatically: CLI runs, server
 * logs and API responses that return a secret.
 */
export class SecretScanner {
  readonly #secrets = new Set<string>();
  readonly #transcripts: Transcript[] = [];

  /** Registers a secret (a key's plaintext, the admin credential, a pepper). Short values are refused: they would match by chance. */
  addSecret(secret: string): void {
    if (secret.length < 16) throw new Error(`refusing to scan for a ${secret.length}-character "secret": too short to be meaningful`);
    this.#secrets.add(secret);
  }

  get secrets(): readonly string[] {
    return [...this.#secrets];
  }

  record(label: string, text: string): void {
    this.#transcripts.push({ label, text });
  }

  /** Records a file's bytes (read as latin1, so binary files such as SQLite databases scan byte for byte). */
  async recordFile(label: string, path: string): Promise<void> {
    try {
      this.record(label, await readFile(path, 'latin1'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** `secret prefix… in label` for each leak. */
  leaks(): string[] {
    const found: string[] = [];
    for (const secret of this.#secrets) {
      for (const { label, text } of this.#transcripts) {
        if (text.includes(secret)) found.push(`${secret.slice(0, 6)}… in ${label}`);
      }
    }
    return found;
  }

  assertNoLeaks(): void {
    const leaks = this.leaks();
    if (leaks.length > 0) throw new Error(`secrets leaked into output:\n  ${leaks.join('\n  ')}`);
  }
}

/** The secrets a real server (Strapi, Keystone) handed out, fed to whoever scans for them (E2eWorkspace.watchSecretsOf). */
export class SecretFeed {
  /** Every secret seen so far. */
  readonly seen = new Set<string>();
  readonly #listeners = new Set<(secret: string) => void>();

  /** Registers a secret for leak scans (every listener, and the ones added later). */
  onSecret(secret: string): void {
    this.seen.add(secret);
    for (const listener of this.#listeners) listener(secret);
  }

  /** Calls `listener` with every secret seen so far and every later one; returns the unsubscribe. */
  watchSecrets(listener: (secret: string) => void): () => void {
    for (const secret of this.seen) listener(secret);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** After a real server (Strapi, Keystone) stopped: none of the secrets it handed out is in its logs or database. */
export async function assertServerKeptNoSecrets(label: string, seen: Iterable<string>, output: { stdout: string; stderr: string }, databasePath: string): Promise<void> {
  const scanner = new SecretScanner();
  for (const secret of seen) scanner.addSecret(secret);
  scanner.record(`${label} stdout`, output.stdout);
  scanner.record(`${label} stderr`, output.stderr);
  await scanner.recordFile(`${label} database`, databasePath);
  scanner.assertNoLeaks();
}
