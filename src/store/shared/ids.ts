import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `key_` + 10 characters of creation time + 16 random characters (ULID layout, Crockford base32). */
export function newKeyId(now: number): string {
  return `key_${ulid(now)}`;
}

/** `lease_` + a ULID, as key ids. */
export function newLeaseId(now: number): string {
  return `lease_${ulid(now)}`;
}

function ulid(now: number): string {
  let time = '';
  let rest = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  const random = [...randomBytes(16)].map((byte) => CROCKFORD[byte % 32]).join('');
  return `${time}${random}`;
}
