import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a console route answers: a page (HTML), an asset, or a redirect; with cookies to set. */
export interface ConsoleReply {
  status: number;
  /** The body; none for a redirect. */
  body?: string;
  contentType?: string;
  location?: string;
  cookies?: string[];
  /** For 405: the methods allowed. */
  allow?: string;
}

/**
 * Scripts and styles only from the console's own files (no inline code at all), forms only to itself, no framing,
 * no fetches: a page injected with markup could run nothing.
 */
export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const HTML = 'text/html; charset=utf-8';

export function sendConsoleReply(res: ServerResponse, reply: ConsoleReply): void {
  const headers: [string, string][] = [
    ['content-security-policy', CONSOLE_CSP],
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the console's own form posts.
    ['referrer-policy', 'same-origin'],
    ['cross-origin-opener-policy', 'same-origin'],
    ['cross-origin-resource-policy', 'same-origin'],
    ['cache-control', 'no-store'],
  ];
  if (reply.location) headers.push(['location', reply.location]);
  if (reply.allow) headers.push(['allow', reply.allow]);
  const body = reply.body ?? '';
  headers.push(['content-type', reply.contentType ?? HTML], ['content-length', String(Buffer.byteLength(body))]);
  res.writeHead(reply.status, [...headers.flat(), ...(reply.cookies ?? []).flatMap((cookie) => ['set-cookie', cookie])]);
  res.end(body);
}

export function redirect(location: string, cookies: string[] = []): ConsoleReply {
  return { status: 303, location, cookies };
}

/** The cookies a request sent, by name (the first of a repeated name). */
export function requestCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(at + 1).trim());
  }
  return cookies;
}

/** A cookie only this console's pages send, never to another site's requests nor to scripts; Secure over TLS. */
export function cookie(name: string, value: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return [`${name}=${value}`, 'Path=/console', 'HttpOnly', 'SameSite=Strict', `Max-Age=${options.maxAgeSeconds}`, ...(options.secure ? ['Secure'] : [])].join('; ');
}

const MAX_FORM_BYTES = 4096;

/**
 * A urlencoded form body of at most 4 KiB (a sign-in is a key and a token); undefined when it is another type or
 * larger (the rest is not read).
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_FORM_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Whether a form post came from the console's own page: browsers say where a request comes from (Sec-Fetch-Site,
 * Origin), and a post from another site is refused even before its token is checked.
 */
export function sameOrigin(req: IncomingMessage, secure: boolean): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `${secure ? 'https' : 'http'}://${req.headers.host ?? ''}`;
}
