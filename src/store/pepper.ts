import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { KeyplanError } from '../core/errors.js';

const MIN_PEPPER_BYTES = 16;

/**
 * The server-side key for secret hashes: KEYPLAN_PEPPER when set, otherwise
 * `<db>.pepper` beside the database (created with mode 0600 on first use).
 * Losing the pepper makes every stored key unverifiable.
 */
export function loadPepper(dbPath: string, explicit?: Buffer | string): Buffer {
  if (explicit !== undefined) return checked(toBuffer(explicit), 'the pepper option');
  const fromEnv = process.env.KEYPLAN_PEPPER;
  if (fromEnv) return checked(Buffer.from(fromEnv, 'utf8'), 'KEYPLAN_PEPPER');
  if (dbPath === ':memory:') return randomBytes(32);
  const file = `${dbPath}.pepper`;
  try {
    return checked(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const pepper = randomBytes(32);
  try {
    writeFileSync(file, `${pepper.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadPepper(dbPath);
    throw error;
  }
  chmodSync(file, 0o600);
  return pepper;
}

function toBuffer(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

function checked(pepper: Buffer, source: string): Buffer {
  if (pepper.length < MIN_PEPPER_BYTES) throw new KeyplanError(`${source}: the pepper must be at least ${MIN_PEPPER_BYTES} bytes`);
  return pepper;
}
