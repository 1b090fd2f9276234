import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Secret } from '../core/secret.js';
import type { Store, StoreKey } from '../store/store.js';
import { grants } from '../store/permissions.js';
import { ApiError } from './api-error.js';

/** Who is calling: a stored key, or the bootstrap admin credential (KEYPLAN_ADMIN_KEY). */
export interface Caller {
  key: StoreKey | null;
  bootstrap: boolean;
  permissions: string[];
  /** For the event log and to scope idempotency keys. */
  actor: string;
  /** The bearer token itself: idempotent-replay copies are sealed under it. */
  credential: Secret;
}

/**
 * The bootstrap admin credential, held only as an HMAC under a random
 * per-process key: the plaintext is dropped after start-up.
 */
export class BootstrapCredential {
  // A KeyObject: made once, it spares every request importing the key again (half the cost of the HMAC).
  readonly #hmacKey = createSecretKey(randomBytes(32));
  readonly #hash: Buffer;

  constructor(secret: string) {
    this.#hash = this.#digest(secret);
  }

  matches(candidate: string): boolean {
    return timingSafeEqual(this.#digest(candidate), this.#hash);
  }

  #digest(value: string): Buffer {
    return createHmac('sha256', this.#hmacKey).update(value, 'utf8').digest();
  }
}

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

/** The caller behind a bearer token, or undefined (the same for unknown, expired, revoked). */
export async function identifyCaller(token: string | undefined, store: Store, bootstrap: BootstrapCredential | undefined): Promise<Caller | undefined> {
  if (token === undefined) return undefined;
  if (bootstrap?.matches(token)) return { key: null, bootstrap: true, permissions: ['*'], actor: 'bootstrap', credential: new Secret(token) };
  return keyCaller(token, store);
}

/**
 * identifyCaller again, for the token that identified `caller` (after its request body arrived): a stored key
 * may have been revoked or changed meanwhile, the bootstrap credential cannot have been, and a token that was
 * not the bootstrap credential still is not (so its HMAC is not computed twice).
 */
export async function identifyAgain(caller: Caller, token: string, store: Store): Promise<Caller | undefined> {
  return caller.bootstrap ? caller : keyCaller(token, store);
}

async function keyCaller(token: string, store: Store): Promise<Caller | undefined> {
  const auth = await store.authenticate(token);
  if (!auth.ok) return undefined;
  return { key: auth.key, bootstrap: false, permissions: auth.permissions, actor: auth.key.id, credential: new Secret(token) };
}

export function requirePermission(caller: Caller, permission: string): void {
  if (!grants(caller.permissions, permission)) {
    throw new ApiError('forbidden', `this key lacks the permission ${permission}`, { permission });
  }
}

/** A caller may only hand out roles whose permissions it holds itself (no privilege escalation). */
export function requireGrantable(caller: Caller, roles: readonly string[], store: Store): void {
  const missing = new Set<string>();
  for (const role of roles) for (const permission of store.permissionsOf([role])) if (!grants(caller.permissions, permission)) missing.add(permission);
  if (missing.size > 0) {
    const list = [...missing].sort();
    throw new ApiError('forbidden', `cannot grant roles with permissions this key lacks: ${list.join(', ')}`, { permission: list[0], permissions: list });
  }
}
