import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A signed-in browser: which key signed in (null: the bootstrap credential) and the token its forms carry. */
export interface ConsoleSession {
  keyId: string | null;
  /** Shown as the signed-in identity: a key's name, or `bootstrap`. */
  who: string;
  /** Sent back in the sign-out form; a request from another site cannot know it. */
  csrf: string;
  expiresAt: number;
}

/** How long a sign-in lasts (it ends sooner when the key is revoked, expires or loses keys:read). */
export const SESSION_LIFETIME_MS = 8 * 3_600_000;
const MAX_SESSIONS = 10_000;

/** A random 256-bit token, URL-safe. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Equal strings, compared in constant time (for tokens sent back by a browser). */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Console sign-ins, in this process's memory, by a random 256-bit id (the cookie's value). Nothing is written
 * to the database: a restart signs everyone out. Bounded: the oldest sign-ins go first when it is full.
 */
export class ConsoleSessions {
  readonly #sessions = new Map<string, ConsoleSession>();

  constructor(private readonly clock: () => number = Date.now) {}

  create(keyId: string | null, who: string): { id: string; session: ConsoleSession } {
    this.#prune();
    const id = randomToken();
    const session = { keyId, who, csrf: randomToken(), expiresAt: this.clock() + SESSION_LIFETIME_MS };
    this.#sessions.set(id, session);
    return { id, session };
  }

  get(id: string | undefined): ConsoleSession | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (session && session.expiresAt <= this.clock()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.#sessions.delete(id);
  }

  #prune(): void {
    const now = this.clock();
    for (const [id, session] of this.#sessions) if (session.expiresAt <= now) this.#sessions.delete(id);
    for (const id of this.#sessions.keys()) {
      if (this.#sessions.size < MAX_SESSIONS) break;
      this.#sessions.delete(id);
    }
  }
}
