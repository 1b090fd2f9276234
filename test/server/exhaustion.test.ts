// Unauthenticated clients against a real `keyplan serve` child process on 127.0.0.1: its memory stays
// bounded and legitimate clients keep being served. Bounded loops only; RSS read from /proc.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { describeExchange, openSocket, parseRawAnswer, rawExchange, readOneAnswer, type RawExchange } from './raw-http.js';

const BIN = fileURLToPath(new URL('../../bin/keyplan.js', import.meta.url));
const ADMIN = 'exhaustion-test-bootstrap-admin-key-0123456789';
const MB = 1024 * 1024;

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

let dir: string | undefined;
let served: Served | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  if (served) {
    served.child.kill('SIGTERM');
    await new Promise((resolve) => served?.child.once('exit', resolve));
  }
  served = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function serve(args: string[] = []): Promise<Served> {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-exhaust-'));
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--quiet', '--db', join(dir, 'keys.db'), ...args], {
    env: { ...process.env, KEYPLAN_ADMIN_KEY: ADMIN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(stdout);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  served = { child, url, stderr: () => stderr };
  return served;
}

/** Resident and peak resident memory of a process, in bytes (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

function openFileLimit(): number {
  const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
  return line === 'unlimited' ? Infinity : Number(line);
}

async function whoami(url: string): Promise<number> {
  const reply = await request(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${ADMIN}` } });
  await reply.body.text();
  return reply.statusCode;
}


/** Writes `bytes` and resolves once the kernel took them, or with the socket error that refused them (EPIPE, ECONNRESET). */
function writeAll(socket: Socket, bytes: Buffer): Promise<string | undefined> {
  return new Promise((resolve) => socket.write(bytes, (error) => resolve(error ? ((error as NodeJS.ErrnoException).code ?? error.message) : undefined)));
}

/** Resolves when the server ends the connection: `fin` (an orderly close) or the error that ended it. */
function closing(socket: Socket): Promise<{ fin: boolean; error: string | undefined }> {
  return new Promise((resolve) => {
    let fin = false;
    let error: string | undefined;
    socket.on('end', () => (fin = true));
    socket.on('error', (problem: NodeJS.ErrnoException) => (error ??= problem.code ?? problem.message));
    socket.on('close', () => resolve({ fin, error }));
  });
}

/** curl's exit code and what it printed for `-w`. */
function curl(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr ? ` ${stderr.trim()}` : ''}` });
    });
  });
}

function hasCurl(): boolean {
  try {
    return readFileSync('/usr/bin/curl').length > 0;
  } catch {
    return false;
  }
}

describe.skipIf(process.platform !== 'linux')('unauthenticated exhaustion (a real serve process)', () => {
  it('holds 1,000 unauthenticated clients sending 1 MB bodies within 100 MB more memory, answering each 401 or 429', async () => {
    const { child, url } = await serve();
    for (let i = 0; i < 50; i++) expect(await whoami(url)).toBe(200);
    const before = memoryOf(child.pid as number).rss;
    const body = Buffer.alloc(MB, 0x41);
    const head = (length: number) => `POST /v1/keys HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;
    const exchanges: RawExchange[] = [];
    // 1,000 clients at once, from 10 addresses (100 each, under the per-address cap).
    await Promise.all(
      Array.from({ length: 1000 }, (_, index) =>
        rawExchange(url, [head(body.length), body], { localAddress: `127.0.9.${(index % 10) + 1}` }).then((exchange) => exchanges.push(exchange)),
      ),
    );
    const after = memoryOf(child.pid as number);
    expect(exchanges.length).toBe(1000);
    // 401, or 429 once an address used up its failure budget: refused either way, closed with a FIN, never a reset.
    const failed = exchanges.filter((exchange) => (exchange.status !== 401 && exchange.status !== 429) || exchange.error !== undefined || !exchange.fin);
    expect(failed.map(describeExchange)).toEqual([]);
    expect(after.peak - before).toBeLessThan(100 * MB);
    expect(await whoami(url)).toBe(200);
    console.info(`RSS under 1,000 unauthenticated 1 MB clients: before ${(before / MB).toFixed(1)} MB, peak ${(after.peak / MB).toFixed(1)} MB, after ${(after.rss / MB).toFixed(1)} MB`);
  });

  it.skipIf(openFileLimit() < 12_000)('keeps serving legitimate clients while 5,000 slow connections are open', async () => {
    const { url } = await serve();
    // 5,000 connections from 20 addresses (250 each), each sending half a request and then nothing.
    for (let batch = 0; batch < 20; batch++) {
      const opened = await Promise.all(Array.from({ length: 250 }, () => openSocket(url, `127.0.8.${batch + 1}`)));
      for (const socket of opened) {
        socket.on('error', () => undefined);
        socket.write('GET /v1/keys HTTP/1.1\r\nhost: x\r\n');
        sockets.push(socket);
      }
    }
    expect(sockets.filter((socket) => !socket.destroyed).length).toBe(5000);
    for (let i = 0; i < 20; i++) expect(await whoami(url)).toBe(200);
    expect(sockets.filter((socket) => !socket.destroyed).length).toBe(5000);
  });

  it('closes a connection whose headers do not arrive in time with a 408 JSON answer', async () => {
    const { url } = await serve(['--headers-timeout', '1']);
    const socket = await openSocket(url);
    sockets.push(socket);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.write('GET /v1/keys HTTP/1.1\r\nhost: x\r\n');
    });
    const parsed = parseRawAnswer(answer);
    expect(parsed.status).toBe(408);
    expect(JSON.parse(parsed.body).error.code).toBe('request_timeout');
  });

  it('answers connections past the per-client cap with 503, and serves other addresses', async () => {
    const { url } = await serve(['--max-connections-per-client', '3']);
    for (let i = 0; i < 3; i++) {
      const socket = await openSocket(url, '127.0.7.1');
      socket.on('error', () => undefined);
      sockets.push(socket);
    }
    const refused = await rawExchange(url, 'GET /v1/whoami HTTP/1.1\r\nhost: x\r\n\r\n', { localAddress: '127.0.7.1' });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.code).toBe('too_many_connections');
    expect(await whoami(url)).toBe(200);
  });

  it('gives fetch() (undici) its 503 past the per-client cap, with a valid key and a 1 MB body still uploading: never an error', async () => {
    const { url } = await serve(['--max-connections-per-client', '3']);
    for (let i = 0; i < 3; i++) {
      const socket = await openSocket(url, '127.0.7.2');
      socket.on('error', () => undefined);
      sockets.push(socket);
    }
    // The cap is checked first, before authentication: a valid key gets the same 503 as no key at all.
    const agent = new Agent({ localAddress: '127.0.7.2' });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, async (_, index) => {
          try {
            const response = await fetch(`${url}/v1/keys`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...(index % 4 === 3 ? {} : { authorization: `Bearer ${ADMIN}` }) },
              body: Buffer.alloc(MB, 0x20),
              dispatcher: agent,
            });
            const body = (await response.json()) as { error: { code: string; message: string } };
            return `${response.status} ${body.error.code} retry-after ${response.headers.get('retry-after')}${response.status === 503 ? '' : ` #${index} ${body.error.message}`}`;
          } catch (error) {
            const cause = (error as { cause?: { code?: string; message?: string } }).cause;
            return `fetch failed: ${cause?.code ?? cause?.message ?? String(error)}`;
          }
        }),
      );
      expect(outcomes.filter((outcome) => outcome !== '503 too_many_connections retry-after 1')).toEqual([]);
    } finally {
      await agent.close();
    }
    expect(await whoami(url)).toBe(200);
  });
});

describe.skipIf(process.platform !== 'linux')('refused requests are answered and closed gently (a real serve process)', () => {
  const head = (length: number, extra = '') => `POST /v1/keys HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n${extra}\r\n`;

  it('lets a client still writing its body after the 401 finish writing, read the answer, and see a FIN, not a reset', async () => {
    const { url } = await serve();
    const socket = await openSocket(url);
    sockets.push(socket);
    const closed = closing(socket);
    const answer = readOneAnswer(socket);
    expect(await writeAll(socket, Buffer.from(head(MB)))).toBeUndefined();
    expect((await answer).status).toBe(401);
    // The answer came before the body: the rest is written after it, 64 KiB at a time, and every write is taken.
    const errors: string[] = [];
    for (let sent = 0; sent < MB; sent += 64 * 1024) {
      const error = await writeAll(socket, Buffer.alloc(64 * 1024, 0x41));
      if (error) errors.push(`${error} after ${sent} bytes written`);
    }
    expect(errors).toEqual([]);
    expect(await closed).toEqual({ fin: true, error: undefined });
  });

  it('answers Expect: 100-continue with 100 only once authenticated: a refused client is never told to upload', async () => {
    const { url } = await serve();
    const refused = await openSocket(url);
    sockets.push(refused);
    const refusedText = new Promise<string>((resolve) => {
      let text = '';
      refused.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      refused.on('close', () => resolve(text));
    });
    refused.write(head(MB, 'expect: 100-continue\r\n'));
    // Nothing is uploaded; the client closes once it has the answer.
    const first = await readOneAnswer(refused);
    expect(first.status).toBe(401);
    refused.end();
    expect(await refusedText).not.toMatch(/^HTTP\/1\.1 100/);

    const body = JSON.stringify({ name: 'continued', roles: ['READONLY'] });
    const allowed = await openSocket(url);
    sockets.push(allowed);
    allowed.write(head(Buffer.byteLength(body), `authorization: Bearer ${ADMIN}\r\nexpect: 100-continue\r\n`));
    const interim = await readOneAnswer(allowed);
    expect(interim.status).toBe(100);
    const created = readOneAnswer(allowed);
    allowed.write(body);
    expect((await created).status).toBe(201);
  });

  it('closes a malformed request with its 400, then a FIN, while the client keeps writing', async () => {
    const { url } = await serve();
    const socket = await openSocket(url);
    sockets.push(socket);
    const closed = closing(socket);
    const answer = readOneAnswer(socket);
    await writeAll(socket, Buffer.from('NOT HTTP AT ALL\r\n\r\n'));
    expect((await answer).status).toBe(400);
    const errors: string[] = [];
    for (let sent = 0; sent < 256 * 1024; sent += 64 * 1024) {
      const error = await writeAll(socket, Buffer.alloc(64 * 1024, 0x41));
      if (error) errors.push(`${error} after ${sent} bytes written`);
    }
    socket.end();
    expect(errors).toEqual([]);
    expect(await closed).toEqual({ fin: true, error: undefined });
  });

  it.skipIf(!hasCurl())('gives curl its 401 every time: 40 unauthenticated 1 MB uploads at once, with and without Expect', async () => {
    const { url } = await serve();
    const file = join(dir as string, 'body.json');
    writeFileSync(file, Buffer.alloc(MB, 0x41));
    const runs = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        curl(['-X', 'POST', '-H', 'content-type: application/json', ...(index % 2 ? ['-H', 'Expect:'] : []), '--data-binary', `@${file}`, `${url}/v1/keys`]),
      ),
    );
    expect(runs.filter((run) => run.code !== 0 || (run.out !== '401' && run.out !== '429')).map((run) => `exit ${run.code}: ${run.out}`)).toEqual([]);
  });
});
