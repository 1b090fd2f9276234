import { join } from 'node:path';
import { KeyplanError } from '../core/errors.js';
import { displayPath } from '../io/display-path.js';
import { acquireLock, describeHolder, releaseLock, thisProcess, type LockHolder } from '../io/lock-file.js';

/** The lock file of a configuration's apply, in its state directory. */
export function applyLockPath(stateDir: string): string {
  return join(stateDir, 'apply.lock');
}

export interface HeldLock {
  holder: LockHolder;
  release(): Promise<void>;
}

/**
 * Takes the configuration's apply lock (like Terraform's state lock) for the whole run, waiting up to
 * `timeoutMs` (0: refuse at once) for another apply to end. A lock left by a process of this host that no
 * longer runs is taken over.
 */
export async function lockApply(stateDir: string, timeoutMs: number, now: number, log: (line: string) => void = () => undefined): Promise<HeldLock> {
  const path = applyLockPath(stateDir);
  const holder = thisProcess('keyplan apply', now);
  let attempt;
  try {
    attempt = await acquireLock(path, holder, timeoutMs, 200, (held) => log(`Waiting up to ${Math.round(timeoutMs / 1000)} s for the apply lock ${displayPath(path)}, held by ${held ? `${describeHolder(held)}, lock ID ${held.id}` : 'an unreadable lock'}...`));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'failed';
    throw new KeyplanError(`cannot take the apply lock ${displayPath(path)} (${code}): the state directory must be writable. Nothing was changed.`);
  }
  if (!attempt.acquired) {
    const who = attempt.holder
      ? `${describeHolder(attempt.holder)}, lock ID ${attempt.holder.id}`
      : 'a lock file keyplan cannot read';
    const breakIt = attempt.holder ? `keyplan force-unlock ${attempt.holder.id}` : `delete ${displayPath(path)}`;
    const waited = timeoutMs > 0 ? ` (waited ${Math.round(timeoutMs / 1000)} s)` : '';
    throw new KeyplanError(
      `another apply of this configuration is running${waited}: ${who} (${displayPath(path)}). ` +
        `Wait for it (--lock-timeout 5m waits up to five minutes); if it no longer runs, break the lock with: ${breakIt}. Nothing was changed.`,
    );
  }
  return { holder, release: () => releaseLock(path, holder.id) };
}
