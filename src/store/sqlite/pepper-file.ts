import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KeyplanError } from '../../core/errors.js';

const MIN_PEPPER_BYTES = 16;

export interface LoadedPepper {
  pepper: Buffer;
  /** Where it came from, for messages: the option, KEYPLAN_PEPPER, or the file path. */
  source: string;
}

/**
 * The server-side key for secret hashes: the explicit option, else KEYPLAN_PEPPER,
 * else `<db>.pepper` beside the database. The file is created (atomically, mode 0600)
 * only when `mayCreate` says the database holds nothing hashed with an earlier pepper;
 * an unreadable or truncated file is then replaced, otherwise it is an error.
 */
export function loadPepper(dbPath: string, explicit: Buffer | string | undefined, mayCreate: boolean): LoadedPepper {
  if (explicit !== undefined) return { pepper: checked(toBuffer(explicit), 'the pepper option'), source: 'the pepper option' };
  const fromEnv = process.env.KEYPLAN_PEPPER;
  if (fromEnv) return { pepper: checked(Buffer.from(fromEnv, 'utf8'), 'KEYPLAN_PEPPER'), source: 'KEYPLAN_PEPPER' };
  if (dbPath === ':memory:') return { pepper: randomBytes(32), source: 'a random in-memory pepper' };
  const file = `${dbPath}.pepper`;
  const existing = readPepperFile(file);
  if (existing.pepper) return { pepper: existing.pepper, source: file };
  if (!mayCreate) {
    throw new KeyplanError(
      `${file} ${existing.problem}, but the database ${dbPath} holds keys hashed with its pepper. ` +
        `Restore ${basename(file)} from the backup made together with this database (or set KEYPLAN_PEPPER to its value); ` +
        'a new pepper would make every stored key fail to authenticate.',
    );
  }
  const pepper = randomBytes(32);
  const created = writeExclusive(file, `${pepper.toString('hex')}\n`, existing.problem !== 'is missing');
  // Another process created it first: use theirs.
  return created ? { pepper, source: file } : loadPepper(dbPath, undefined, false);
}

/** Whether `<db>.pepper` holds a pepper: some database was created with it. */
export function hasPepperFile(dbPath: string): boolean {
  return readPepperFile(`${dbPath}.pepper`).pepper !== undefined;
}

function readPepperFile(file: string): { pepper?: Buffer; problem: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { problem: 'is missing' };
    throw new KeyplanError(`cannot read the pepper file ${file}: ${(error as Error).message}`);
  }
  const hex = text.trim();
  if (!/^[0-9a-f]+$/i.test(hex) || hex.length % 2 !== 0) return { problem: hex === '' ? 'is empty' : 'is not a hex pepper' };
  const pepper = Buffer.from(hex, 'hex');
  if (pepper.length < MIN_PEPPER_BYTES) return { problem: `holds fewer than ${MIN_PEPPER_BYTES} bytes` };
  return { pepper, problem: '' };
}

/**
 * Writes `text` to `file` all at once: a temporary file (0600), flushed, then linked into place
 * (failing when another process made it first) or renamed over a broken one.
 * A failure (such as a full disk) leaves no partial file behind.
 */
function writeExclusive(file: string, text: string, replace: boolean): boolean {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (replace) renameSync(temporary, file);
    else linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new KeyplanError(`cannot write the pepper file ${file}: ${(error as Error).message}`);
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // Renamed into place, or never written.
    }
  }
}

function toBuffer(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

function checked(pepper: Buffer, source: string): Buffer {
  if (pepper.length < MIN_PEPPER_BYTES) throw new KeyplanError(`${source}: the pepper must be at least ${MIN_PEPPER_BYTES} bytes`);
  return pepper;
}
