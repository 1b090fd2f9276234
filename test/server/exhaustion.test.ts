// Unauthenticated clients against a real `keyplan serve` child process on 127.0.0.1: its memory stays
// bounded and legitimate clients keep being served. Bounded loops only; RSS read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { openSocket, parseRawAnswer, rawExchange } from './raw-http.js';

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

describe.skipIf(process.platform !== 'linux')('unauthenticated exhaustion (a real serve process)', () => {
  it('holds 1,000 unauthenticated clients sending 1 MB bodies within 100 MB more memory, answering each 401 or 429', async () => {
    const { child, url } = await serve();
    for (let i = 0; i < 50; i++) expect(await whoami(url)).toBe(200);
    const before = memoryOf(child.pid as number).rss;
    const body = Buffer.alloc(MB, 0x41);
    const head = (length: number) => `POST /v1/keys HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;
    const statuses: number[] = [];
    // 1,000 clients at once, from 10 addresses (100 each, under the per-address cap).
    await Promise.all(
      Array.from({ length: 1000 }, (_, index) =>
        rawExchange(url, [head(body.length), body], { localAddress: `127.0.9.${(index % 10) + 1}` }).then((answer) => statuses.push(answer.status)),
      ),
    );
    const after = memoryOf(child.pid as number);
    expect(statuses.length).toBe(1000);
    // 401, or 429 once an address used up its failure budget: refused either way, and never a reset connection.
    expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
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
});
