import type { IncomingMessage, ServerResponse } from 'node:http';
import { REPORT_SCRIPT } from '../../render/report-script.js';
import { grants } from '../../store/shared/permissions.js';
import type { Store, StoreEvent, StoreKey } from '../../store/contract.js';
import { toApiError } from '../api-error.js';
import type { AuthThrottle } from '../auth-throttle.js';
import { identifyCaller, type BootstrapCredential } from '../caller.js';
import { loggableKeyId } from '../key-routes.js';
import { HTML, cookie, readForm, redirect, requestCookies, sameOrigin, sendConsoleReply, type ConsoleReply } from './console-http.js';
import { CONSOLE_CSS, CONSOLE_ICON, keyPage, keysPage, messagePage, sharedSecretPage, signInPage, type SignedIn } from './console-pages.js';
import { ConsoleSessions, SESSION_LIFETIME_MS, randomToken, sameToken, type ConsoleSession } from './console-sessions.js';

export interface ConsoleDeps {
  store: Store;
  bootstrap: BootstrapCredential | undefined;
  /** The API's throttle: failed sign-ins count against the same budgets as failed API authentications. */
  throttle: AuthThrottle;
  /** Served over TLS: cookies get Secure. */
  secure: boolean;
  log?: (line: string) => void;
  clock?: () => number;
}

const SESSION_COOKIE = 'kp_console';
const CSRF_COOKIE = 'kp_console_csrf';
const KEY_PAGE = /^\/console\/keys\/([^/]+)$/;
const PAGE_SIZE = 1000;
const ASSETS: Record<string, { body: string; type: string }> = {
  '/console/assets/console.css': { body: CONSOLE_CSS, type: 'text/css; charset=utf-8' },
  '/console/assets/console.js': { body: REPORT_SCRIPT, type: 'text/javascript; charset=utf-8' },
  '/console/assets/icon.svg': { body: CONSOLE_ICON, type: 'image/svg+xml' },
};

/** Whether a path belongs to the console (the rest goes to the API). */
export function isConsolePath(path: string): boolean {
  return path === '/console' || path.startsWith('/console/');
}

/**
 * `keyplan serve --console`: the read-only console beside the API. Returns the server's handler: console paths
 * here, every other request to `api`.
 */
export function withConsole(api: (req: IncomingMessage, res: ServerResponse) => void, deps: ConsoleDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const sessions = new ConsoleSessions(deps.clock);
  return (req, res) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    if (!isConsolePath(path)) return api(req, res);
    const started = performance.now();
    const query = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1));
    new ConsoleRequest(req, deps, sessions, path, query)
      .answer()
      .catch((error: unknown): ConsoleReply => {
        const refused = toApiError(error);
        if (refused.status < 500) return { status: refused.status, body: messagePage('Cannot show this page', refused.message) };
        deps.log?.(`internal error on ${req.method} ${routeName(path)}: ${error instanceof Error ? error.name : 'unknown'}`);
        return { status: 500, body: messagePage('Something went wrong', 'The console could not answer; the server log says more.') };
      })
      .then((reply) => {
        sendConsoleReply(res, reply);
        deps.log?.(`${req.method} ${routeName(path)} ${reply.status} ${(performance.now() - started).toFixed(1)}ms`);
      })
      .catch(() => res.destroy());
  };
}

/** What the request log names: the page, and a well-formed key id, never the raw path. */
function routeName(path: string): string {
  const key = KEY_PAGE.exec(path);
  if (key) return `/console/keys/{id}${loggableKeyId(key[1]) ? ` ${key[1]}` : ''}`;
  return path in ASSETS || ['/console', '/console/sign-in', '/console/sign-out', '/console/shared-secret'].includes(path) ? path : '/console/(no such page)';
}

class ConsoleRequest {
  readonly #cookies: Map<string, string>;
  readonly #now: number;

  constructor(
    private readonly req: IncomingMessage,
    private readonly deps: ConsoleDeps,
    private readonly sessions: ConsoleSessions,
    private readonly path: string,
    private readonly query: URLSearchParams,
  ) {
    this.#cookies = requestCookies(req);
    this.#now = (deps.clock ?? Date.now)();
  }

  async answer(): Promise<ConsoleReply> {
    const method = this.req.method === 'HEAD' ? 'GET' : (this.req.method ?? 'GET');
    const asset = ASSETS[this.path];
    if (asset) return method === 'GET' ? { status: 200, body: asset.body, contentType: asset.type } : notAllowed('GET, HEAD');
    if (this.path === '/console/sign-in') {
      if (method === 'GET') return this.signInForm();
      return method === 'POST' ? this.signIn() : notAllowed('GET, HEAD, POST');
    }
    if (this.path === '/console/sign-out') return method === 'POST' ? this.signOut() : notAllowed('POST');
    if (method !== 'GET') return notAllowed('GET, HEAD');
    const signedIn = await this.session();
    if (!signedIn) return redirect('/console/sign-in');
    const { session, permissions } = signedIn;
    const nav: SignedIn = { who: session.who, csrf: session.csrf };
    if (this.path === '/console') return this.keysList(nav);
    if (this.path === '/console/shared-secret') {
      const info = grants(permissions, 'shared-secret:read') ? await this.deps.store.sharedSecret() : undefined;
      return page(sharedSecretPage(info, this.#now, nav));
    }
    const match = KEY_PAGE.exec(this.path);
    if (match) return this.keyDetails(decodeSafely(match[1] as string), permissions, nav);
    return { status: 404, body: messagePage('Not found', 'There is no such console page.', nav) };
  }

  /** The sign-in form, with a fresh anti-forgery token in a cookie and in the form (both must come back). */
  signInForm(problem?: string, status = 200): ConsoleReply {
    const csrf = randomToken();
    return { status, body: signInPage(csrf, problem), contentType: HTML, cookies: [cookie(CSRF_COOKIE, csrf, { secure: this.deps.secure, maxAgeSeconds: 3600 })] };
  }

  async signIn(): Promise<ConsoleReply> {
    const form = await readForm(this.req);
    if (!form) return this.signInForm('Send the sign-in form as the page does (a urlencoded form of at most 4 KiB).', 400);
    if (!sameOrigin(this.req, this.deps.secure) || !sameToken(form.get('csrf') ?? undefined, this.#cookies.get(CSRF_COOKIE))) {
      return this.signInForm('The sign-in form was stale or came from another site: sign in from this page.', 403);
    }
    const token = form.get('key')?.trim() || undefined;
    const caller = await identifyCaller(token, this.deps.store, this.deps.bootstrap);
    if (!caller) {
      const wait = this.deps.throttle.failedAuthentication(this.req.socket.remoteAddress, token);
      if (wait > 0) return { ...this.signInForm(`Too many failed sign-ins; try again in ${wait} s (valid keys are not affected).`, 429) };
      return this.signInForm('That key is not valid (unknown, expired or revoked).', 401);
    }
    if (!grants(caller.permissions, 'keys:read')) return this.signInForm('That key lacks the keys:read permission the console needs.', 403);
    const { id } = this.sessions.create(caller.key?.id ?? null, caller.key ? caller.key.name : 'bootstrap');
    return redirect('/console', [
      cookie(SESSION_COOKIE, id, { secure: this.deps.secure, maxAgeSeconds: SESSION_LIFETIME_MS / 1000 }),
      cookie(CSRF_COOKIE, '', { secure: this.deps.secure, maxAgeSeconds: 0 }),
    ]);
  }

  async signOut(): Promise<ConsoleReply> {
    const id = this.#cookies.get(SESSION_COOKIE);
    const session = this.sessions.get(id);
    const form = await readForm(this.req);
    if (session && (!sameOrigin(this.req, this.deps.secure) || !sameToken(form?.get('csrf') ?? undefined, session.csrf))) {
      return { status: 403, body: messagePage('Not signed out', 'The sign-out form was stale or came from another site: sign out from a console page.') };
    }
    this.sessions.delete(id);
    return redirect('/console/sign-in', [cookie(SESSION_COOKIE, '', { secure: this.deps.secure, maxAgeSeconds: 0 })]);
  }

  /**
   * The signed-in session, checked against the store on every request: a revoked, expired or changed key (no
   * longer holding keys:read) ends it. An unknown session cookie counts as a failed authentication.
   */
  async session(): Promise<{ session: ConsoleSession; key: StoreKey | null; permissions: string[] } | undefined> {
    const id = this.#cookies.get(SESSION_COOKIE);
    const session = this.sessions.get(id);
    if (!session) {
      if (id) this.deps.throttle.failedAuthentication(this.req.socket.remoteAddress, undefined);
      return undefined;
    }
    if (session.keyId === null) return { session, key: null, permissions: ['*'] };
    const key = await this.deps.store.getKey(session.keyId);
    const live = key && key.revokedAt === null && (key.expiresAt === null || key.expiresAt > this.#now);
    const permissions = live ? this.deps.store.permissionsOf(key.roles) : [];
    if (!live || !grants(permissions, 'keys:read')) {
      this.sessions.delete(id);
      return undefined;
    }
    return { session, key, permissions };
  }

  async keysList(nav: SignedIn): Promise<ConsoleReply> {
    const cursor = this.query.get('cursor') ?? undefined;
    const { keys, nextCursor } = await this.deps.store.listKeys({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    return page(keysPage(keys, this.#now, nextCursor, nav));
  }

  async keyDetails(id: string | undefined, permissions: string[], nav: SignedIn): Promise<ConsoleReply> {
    const key = id === undefined ? undefined : await this.deps.store.getKey(id);
    if (!key) return { status: 404, body: messagePage('No such key', 'There is no key with that id.', nav) };
    const events = grants(permissions, 'events:read') ? await this.eventsOf(key.id) : undefined;
    return page(keyPage(key, this.deps.store.permissionsOf(key.roles), events, this.#now, nav));
  }

  /** The key's events, oldest first: the event log, page by page, kept where it names the key. */
  async eventsOf(keyId: string): Promise<StoreEvent[]> {
    const found: StoreEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.store.listEvents({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      for (const event of page.events) if (event.keyId === keyId) found.push(event);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return found;
  }
}

function page(body: string): ConsoleReply {
  return { status: 200, body };
}

function notAllowed(allow: string): ConsoleReply {
  return { status: 405, body: messagePage('Not allowed', `This console page answers ${allow} only; the console changes nothing.`), allow };
}

function decodeSafely(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
