import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Who holds a lock file: written into it, shown to whoever finds it held. */
export interface LockHolder {
  id: string;
  pid: number;
  host: string;
  /** ISO date-time. */
  startedAt: string;
  /** What the holder is doing ("keyplan apply"), for messages. */
  command: string;
}

export type LockAttempt = { acquired: true } | { acquired: false; holder: LockHolder | undefined };

/** A holder for this process. */
export function thisProcess(command: string, now = Date.now()): LockHolder {
  return { id: randomBytes(6).toString('hex'), pid: process.pid, host: hostname(), startedAt: new Date(now).toISOString(), command };
}

/**
 * Takes the lock at `path` for `holder`, or reports who has it. The file appears with its whole content in one
 * step (a hard link of a complete temporary file), so a reader never sees a half-written holder. A lock whose
 * holder was a process on this host that no longer runs is stale: it is broken and taken.
 */
export async function tryLock(path: string, holder: LockHolder): Promise<LockAttempt> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temporary, `${JSON.stringify(holder)}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await link(temporary, path);
        held.set(path, holder.id);
        return { acquired: true };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const found = await readLock(path);
      // Let go between our link and our read (its holder finished): try again, it is free now.
      if (found === 'missing') continue;
      if (found === 'unreadable' || !isStale(found)) return { acquired: false, holder: found === 'unreadable' ? undefined : found };
      await breakStale(path, found);
    }
    return { acquired: false, holder: await readHolder(path) };
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** Takes the lock, waiting up to `timeoutMs` (0: one attempt) for its holder to let go. */
export async function acquireLock(path: string, holder: LockHolder, timeoutMs: number, pollMs = 200, onWait?: (holder: LockHolder | undefined) => void): Promise<LockAttempt> {
  const deadline = Date.now() + timeoutMs;
  for (let waited = false; ; waited = true) {
    const attempt = await tryLock(path, holder);
    if (attempt.acquired || Date.now() >= deadline) return attempt;
    if (!waited) onWait?.(attempt.holder);
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
  }
}

/** Lets go of a lock this process holds; a lock someone else took meanwhile (after a force-unlock) is left alone. */
export async function releaseLock(path: string, id: string): Promise<void> {
  if (held.get(path) !== id) return;
  held.delete(path);
  const current = await readHolder(path);
  if (current?.id === id) await unlink(path).catch(() => undefined);
}

/** The holder written in a lock file; undefined when there is none or it is unreadable. */
export async function readHolder(path: string): Promise<LockHolder | undefined> {
  const found = await readLock(path);
  return typeof found === 'string' ? undefined : found;
}

/** The lock file's holder, or whether it is gone or cannot be read (a file that is not a keyplan lock). */
async function readLock(path: string): Promise<LockHolder | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  try {
    return parseHolder(text) ?? 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** Removes the lock at `path` if its holder has this id; false when no such lock is there. */
export async function removeLockWithId(path: string, id: string): Promise<boolean> {
  const current = await readHolder(path);
  if (current?.id !== id) return false;
  await unlink(path);
  return true;
}

/** A holder on this host whose process no longer runs. Holders on other hosts are never judged stale here. */
export function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  // This process's pid in a lock it does not hold: an earlier process that had the same pid.
  if (holder.pid === process.pid) return ![...held.values()].includes(holder.id);
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** "pid 123 on host ci-7, started 2026-12-07T02:41:00.000Z (keyplan apply)". */
export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on host ${holder.host}, started ${holder.startedAt} (${holder.command})`;
}

/**
 * Moves the stale lock aside and removes it only if it is still the one judged stale: should another process
 * have broken it and taken the lock in between, that lock is put back.
 */
async function breakStale(path: string, stale: LockHolder): Promise<void> {
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const moved = await readHolder(aside);
  if (moved?.id !== stale.id) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

function parseHolder(text: string): LockHolder | undefined {
  const raw = JSON.parse(text) as Partial<LockHolder> | null;
  if (!raw || typeof raw.id !== 'string' || typeof raw.pid !== 'number' || typeof raw.host !== 'string') return undefined;
  return { id: raw.id, pid: raw.pid, host: raw.host, startedAt: String(raw.startedAt ?? 'unknown'), command: String(raw.command ?? 'keyplan') };
}

/** Locks this process holds, by path: removed should it exit without letting go (an error, process.exit). */
const held = new Map<string, string>();
process.on('exit', () => {
  for (const [path, id] of held) {
    try {
      if (parseHolder(readFileSync(path, 'utf8'))?.id === id) unlinkSync(path);
    } catch {
      // Already gone.
    }
  }
});
