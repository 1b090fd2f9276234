import { createHmac } from 'node:crypto';
import { KeyplanError } from '../../core/errors.js';

const MIN_PEPPER_BYTES = 16;

export function wrongPepper(where: string, source: string): KeyplanError {
  return new KeyplanError(
    `${where}: ${source} is not the pepper this database was created with, so no stored key would authenticate. ` +
      'Restore the original pepper; nothing was changed.',
  );
}

/**
 * The pepper for a database that has no file beside it (PostgreSQL): the option, else KEYPLAN_PEPPER. Required.
 */
export function requiredPepper(explicit: Buffer | string | undefined, where: string): { pepper: Buffer; source: string } {
  const source = explicit !== undefined ? 'the pepper option' : 'KEYPLAN_PEPPER';
  const value = explicit ?? process.env.KEYPLAN_PEPPER;
  if (value === undefined || value === '') {
    throw new KeyplanError(
      `${where}: set KEYPLAN_PEPPER (at least ${MIN_PEPPER_BYTES} bytes, e.g. \`openssl rand -hex 32\`) to use a PostgreSQL database; ` +
        'every instance needs the same value, and it is kept apart from database backups.',
    );
  }
  const pepper = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (pepper.length < MIN_PEPPER_BYTES) throw new KeyplanError(`${source}: the pepper must be at least ${MIN_PEPPER_BYTES} bytes`);
  return { pepper, source };
}

/** A value stored in the database that tells whether a pepper is the one its keys were hashed with. */
export function pepperCheckValue(pepper: Buffer): Buffer {
  return createHmac('sha256', pepper).update('keyplan pepper check v1').digest();
}
