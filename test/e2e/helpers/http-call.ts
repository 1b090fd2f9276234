import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request, type Dispatcher } from 'undici';

export interface ApiReply<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/**
 * One JSON request to a test server; `token` (if any) goes in `Authorization: Bearer`, `extraHeaders` as given
 * (Keystone's X-Auth-Token). A non-JSON body is returned as text.
 */
export async function jsonCall<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  token: string | null,
  payload?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<ApiReply<T>> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (payload !== undefined) {
    body = JSON.stringify(payload);
    headers['content-type'] = 'application/json';
  }
  const response = await request(`${baseUrl}${path}`, { method: method as 'GET', headers, body });
  const text = await response.body.text();
  let parsed: unknown = text === '' ? undefined : text;
  try {
    if (text !== '') parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.statusCode, headers: response.headers, body: parsed as T };
}

/** SIGTERM, then wait for the exit (SIGKILL after 10 s). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(force);
}

/** A plain request as a browser's form or link would make it: fields urlencoded (when given), headers as written, the body as text. */
export async function formCall(
  url: string,
  options: { method?: 'GET' | 'POST'; fields?: Record<string, string>; headers?: Record<string, string>; dispatcher?: Dispatcher } = {},
): Promise<ApiReply<string>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.fields) {
    body = new URLSearchParams(options.fields).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const response = await request(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}) });
  return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
}

/** The `name=value` of each Set-Cookie header of a reply, by name. */
export function setCookies(reply: ApiReply<unknown>): Map<string, string> {
  const sent = reply.headers['set-cookie'];
  const list = sent === undefined ? [] : Array.isArray(sent) ? sent : [sent];
  return new Map(list.map((line) => [line.slice(0, line.indexOf('=')), line]));
}
