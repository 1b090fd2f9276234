import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { mkdir, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so readers see either the old or the new content, never a half-written one:
 * write a temporary file beside it, flush it to disk, then rename it over the target.
 * The parent directory is created when missing. `mode` (e.g. 0o600 for secrets) is applied exactly,
 * regardless of the umask; without it an existing file keeps its mode and a new one gets 0o666 minus the umask.
 * A symbolic link at `path` is followed: its target is replaced, the link stays.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const target = await resolveTarget(path);
  const directory = dirname(target);
  await mkdir(directory, { recursive: true });
  const finalMode = mode ?? (await existingMode(target));
  const temporary = join(directory, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // The temporary file starts owner-only so a secret is never readable by others, even for a moment.
  const handle = await open(temporary, 'wx', 0o600);
  inFlight(temporary);
  try {
    try {
      await handle.writeFile(data);
      if (finalMode !== undefined) await handle.chmod(finalMode);
      else await handle.chmod(0o666 & ~process.umask());
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  } finally {
    writing.delete(temporary);
  }
  await syncDirectory(directory);
}

/** Temporary files being written; removed should the process exit first (a second Ctrl-C), as they may hold secrets. */
const writing = new Set<string>();
let cleanupHooked = false;

function inFlight(temporary: string): void {
  if (!cleanupHooked) process.on('exit', removeInFlight);
  cleanupHooked = true;
  writing.add(temporary);
}

function removeInFlight(): void {
  for (const temporary of writing) {
    try {
      unlinkSync(temporary);
    } catch {
      // Already renamed into place or removed.
    }
  }
}

async function resolveTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

async function existingMode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** Makes the rename itself durable; some platforms cannot open a directory, which is harmless to skip. */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort only.
  }
}
