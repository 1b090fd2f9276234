/**
 * The base of the stand-ins for key services that cannot run here (Cloudflare, GitLab): a stateful HTTP
 * server on 127.0.0.1 that checks every request and every answer against the vendor's own OpenAPI
 * description (vendored under test/fixtures/vendor/). A request the description does not allow is answered
 * with the vendor's error and recorded; an answer it does not allow is recorded too. `useStandIn` fails the
 * test on any record. Subclasses hold the state and route the operations.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach } from 'vitest';
import { parse } from 'yaml';
import { OpenApiContract, type MatchedOperation } from './openapi-contract.js';

export interface StandInRequest {
  method: string;
  /** Without the base path (`/client/v4`, `/api/v4`). */
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingMessage['headers'];
  op: MatchedOperation;
}

export interface StandInReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A one-shot fault: the next `times` requests that `matches` get `reply` instead of their answer. */
interface Fault {
  matches: (request: StandInRequest) => boolean;
  reply: StandInReply;
  times: number;
}

/** A vendored description, parsed (each stand-in instance gets its own copy: the contract adjusts it). */
export function loadDescription(relativePath: string): Record<string, unknown> {
  return parse(readFileSync(new URL(`../../fixtures/vendor/${relativePath}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

export abstract class ContractStandIn {
  readonly violations: string[] = [];
  /** `METHOD path?query -> status`, in order. */
  readonly requests: string[] = [];
  /** Every secret the stand-in handed out or holds, for scanning outputs. */
  readonly seen = new Set<string>();
  readonly #listeners = new Set<(secret: string) => void>();
  readonly #faults: Fault[] = [];
  readonly #contract: OpenApiContract;
  readonly #server: Server;

  protected constructor(
    description: Record<string, unknown>,
    /** The path prefix the description's paths are under: `/client/v4`, `/api/v4`. */
    readonly basePath: string,
    /** What the contract calls the paths: GitLab's description writes them with `/api/v4`. */
    private readonly describedPrefix = '',
  ) {
    this.#contract = new OpenApiContract(description);
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        this.violations.push(`${req.method} ${req.url}: the stand-in failed: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
  }

  protected async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  /** The base URL keyplan is given (`api_url`, `url`). */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${this.basePath}`;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
  }

  watchSecrets(listener: (secret: string) => void): () => void {
    for (const secret of this.seen) listener(secret);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The next `times` requests `matches` accepts are answered with `reply` (a rate limit, an outage). */
  failNext(matches: (request: StandInRequest) => boolean, reply: StandInReply, times = 1): void {
    this.#faults.push({ matches, reply, times });
  }

  protected issued(secret: string): void {
    this.seen.add(secret);
    for (const listener of this.#listeners) listener(secret);
  }

  /** The vendor's answer to a request its description does not allow. */
  protected abstract invalid(breaches: string[]): StandInReply;
  /** The vendor's answer to a path it does not have. */
  protected abstract notFound(): StandInReply;
  protected abstract route(request: StandInRequest): StandInReply | Promise<StandInReply>;

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const send = (reply: StandInReply) => {
      this.requests.push(`${req.method} ${url.pathname}${url.search} -> ${reply.status}`);
      res.writeHead(reply.status, { ...(reply.body === undefined ? {} : { 'content-type': 'application/json' }), ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    };
    let text = '';
    for await (const chunk of req) text += String(chunk);
    if (!url.pathname.startsWith(`${this.basePath}/`)) {
      this.violations.push(`${req.method} ${url.pathname}: outside ${this.basePath}`);
      return send(this.notFound());
    }
    const path = url.pathname.slice(this.basePath.length);
    const op = this.#contract.match(req.method ?? 'GET', `${this.describedPrefix}${path}`);
    if (!op) {
      this.violations.push(`${req.method} ${path}: no such operation in the vendored description`);
      return send(this.notFound());
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      this.violations.push(`${req.method} ${path}: the body is not JSON`);
      return send(this.invalid(['the body is not JSON']));
    }
    const breaches = this.#contract.checkRequest(op, url.searchParams, body);
    if (breaches.length > 0) {
      this.violations.push(...breaches.map((b) => `${req.method} ${path}: ${b}`));
      return send(this.invalid(breaches));
    }
    const request: StandInRequest = { method: req.method ?? 'GET', path, query: url.searchParams, body, headers: req.headers, op };
    const fault = this.#faults.find((f) => f.times > 0 && f.matches(request));
    let reply: StandInReply;
    if (fault) {
      fault.times -= 1;
      reply = fault.reply;
    } else {
      reply = await this.route(request);
    }
    const answerBreaches = this.#contract.checkResponse(op, reply.status, reply.body);
    this.violations.push(...answerBreaches.map((b) => `answer to ${req.method} ${path}: ${b}`));
    send(reply);
  }
}

/** Throws (failing the test) when any request or answer broke the vendor's description. */
export function assertNoBreaches(standIn: ContractStandIn): void {
  if (standIn.violations.length > 0) throw new Error(`requests or answers broke the vendor's API description:\n  ${standIn.violations.join('\n  ')}`);
}

/** Registers vitest hooks giving each test a fresh stand-in, stopped after it; the test fails on any contract breach. */
export function useStandIn<T extends ContractStandIn>(start: () => Promise<T>): () => T {
  let current: T | undefined;
  beforeEach(async () => {
    current = await start();
  });
  afterEach(async () => {
    const standIn = current;
    current = undefined;
    if (!standIn) return;
    await standIn.stop();
    assertNoBreaches(standIn);
  });
  return () => {
    if (!current) throw new Error('useStandIn(): no stand-in outside a test');
    return current;
  };
}
