import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Secret } from '../core/secret.js';
import type { AuthResult, Store, StoreKey } from '../store/contract.js';
import { grants } from '../store/shared/permissions.js';
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
 * The bootstrap admin credential, held only as a salted SHA-256 digest under a random per-process salt: the
 * plaintext is dropped after start-up. Presented tokens are digested the same way and compared in constant
 * time. (Only equality is ever asked, so a salted digest serves as an HMAC would, at a third of the cost:
 * every authenticated request pays it once.)
 */
export class BootstrapCredential {
  readonly #salt = randomBytes(32).toString('base64');
  readonly #digest: Buffer;

  constructor(secret: string) {
    this.#digest = this.#digestOf(secret);
  }

  matches(candidate: string): boolean {
    return timingSafeEqual(this.#digestOf(candidate), this.#digest);
  }

  #digestOf(value: string): Buffer {
    return hash('sha256', this.#salt + value, 'buffer');
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
 * not the bootstrap credential still is not (so its HMAC is not computed twice, nor the key's hash).
 */
export async function identifyAgain(caller: Caller, token: string, store: Store): Promise<Caller | undefined> {
  if (caller.bootstrap) return caller;
  const previous = caller instanceof KeyCaller ? caller.authentication : undefined;
  return toCaller(previous ? await store.authenticateAgain(previous) : await store.authenticate(token), token);
}

/** A caller identified by a stored key; it keeps the store's answer, so identifyAgain asks about the same secret. */
class KeyCaller implements Caller {
  readonly bootstrap = false;
  readonly #authentication: AuthResult;

  constructor(
    readonly key: StoreKey,
    readonly permissions: string[],
    readonly actor: string,
    readonly credential: Secret,
    authentication: AuthResult,
  ) {
    this.#authentication = authentication;
  }

  get authentication(): AuthResult {
    return this.#authentication;
  }
}

async function keyCaller(token: string, store: Store): Promise<Caller | undefined> {
  return toCaller(await store.authenticate(token), token);
}

function toCaller(auth: AuthResult, token: string): Caller | undefined {
  if (!auth.ok) return undefined;
  return new KeyCaller(auth.key, auth.permissions, auth.key.id, new Secret(token), auth);
}

/** The caller must hold `permission`, or one of a list of them. */
export function requirePermission(caller: Caller, permission: string | readonly string[]): void {
  if (typeof permission === 'string') {
    if (!grants(caller.permissions, permission)) throw new ApiError('forbidden', `this key lacks the permission ${permission}`, { permission });
  } else if (!permission.some((one) => grants(caller.permissions, one))) {
    throw new ApiError('forbidden', `this key lacks the permission for this: any one of ${permission.join(', ')}`, { permission: permission[0], permissions: [...permission] });
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
