import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * 38 random bytes: the 8 base64url characters shown as the prefix reveal 48
 * bits, leaving 256 bits unknown to anyone who only saw a key list.
 */
const SECRET_BYTES = 38;
const PREFIX_CHARS = 8;

export const KEY_SECRET_PREFIX = 'kp_';
export const SHARED_SECRET_PREFIX = 'kps_';

export function generateSecret(kind: typeof KEY_SECRET_PREFIX | typeof SHARED_SECRET_PREFIX): string {
  return kind + randomBytes(SECRET_BYTES).toString('base64url');
}

/** The non-secret part shown in lists: `kp_` and the first 8 characters. */
export function displayPrefix(secret: string): string {
  const start = secret.indexOf('_') + 1;
  return secret.slice(0, start + PREFIX_CHARS);
}

/** Longer presented secrets are refused unhashed. */
const MAX_SECRET_LENGTH = 256;

/** Whether a presented value can be a key secret at all (checked before it is hashed). */
export function isKeySecretShaped(secret: unknown): secret is string {
  return typeof secret === 'string' && secret.startsWith(KEY_SECRET_PREFIX) && secret.length <= MAX_SECRET_LENGTH;
}

const SECRET_INSIDE = /(?:^|[^A-Za-z0-9_-])kps?_[A-Za-z0-9_-]{40,}/;

/** Whether text holds something shaped like a keyplan key or shared secret (a prefix and a long random tail). */
export function holdsKeySecret(text: string): boolean {
  return SECRET_INSIDE.test(text);
}

/** Keyed hash of a secret: a stolen database alone cannot be used to test guesses. */
export function hashSecret(pepper: Buffer, secret: string): Buffer {
  return createHmac('sha256', hmacKey(pepper)).update(secret, 'utf8').digest();
}

const hmacKeys = new WeakMap<Buffer, KeyObject>();

/** The pepper as a KeyObject, made once per pepper: every request hashes at least one secret under it. */
function hmacKey(pepper: Buffer): KeyObject {
  let key = hmacKeys.get(pepper);
  if (!key) {
    key = createSecretKey(pepper);
    hmacKeys.set(pepper, key);
  }
  return key;
}

/**
 * A successful authentication. It keeps how the store found the secret's key (never handed out): authenticating
 * the same secret again, once a request body arrived, looks the key up without hashing the secret anew.
 */
export class Authenticated<Key, Lookup> {
  readonly ok = true as const;
  readonly #lookup: Lookup;

  constructor(
    readonly key: Key,
    readonly permissions: string[],
    lookup: Lookup,
  ) {
    this.#lookup = lookup;
  }

  /** How the key behind `result` was found, when it is a successful authentication. */
  static lookupOf<Lookup>(result: unknown): Lookup | undefined {
    return result instanceof Authenticated ? (result.#lookup as Lookup) : undefined;
  }
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Seals secrets kept for idempotent replays: AES-256-GCM, bound (as associated
 * data) to the record it belongs to. The key comes from the calling credential's
 * own secret, which the service never stores, so a copy of the data directory
 * cannot open it. (HKDF with a fixed salt: its extract step is not the stored
 * HMAC(pepper, secret).) Only the embedded local store, which has no caller
 * credential, seals under a key derived from the pepper.
 */
export class SecretBox {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  static forCredential(credential: string): SecretBox {
    const key = hkdfSync('sha256', Buffer.from(credential, 'utf8'), 'keyplan replay seal v2', 'keyplan idempotent-replay secret v2', 32);
    return new SecretBox(Buffer.from(key));
  }

  static forPepper(pepper: Buffer): SecretBox {
    return new SecretBox(Buffer.from(hkdfSync('sha256', pepper, Buffer.alloc(0), 'keyplan idempotent-replay secret v1', 32)));
  }

  seal(plaintext: string, context: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** The plaintext, or undefined when this box did not seal it (another credential) or it was altered. */
  open(sealed: Buffer, context: string): string | undefined {
    if (sealed.length < 28) return undefined;
    try {
      return this.#open(sealed, context);
    } catch {
      return undefined;
    }
  }

  #open(sealed: Buffer, context: string): string {
    const decipher = createDecipheriv('aes-256-gcm', this.#key, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  }
}
