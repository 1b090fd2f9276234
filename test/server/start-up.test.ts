// Start-up never hides a loss: a real `keyplan serve` on real SQLite files. A database gone or emptied beside its
// pepper is refused (`--init` makes a new one), a damaged one serves 503 and says so, a read-only one says read-only.
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, openSync, readFileSync, statSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyService, SecretScanner, describeRun, runCli, type CliResult } from '../e2e/helpers/index.js';
import { TEST_STORE } from './harness.js';

const ADMIN = 'start-up-test-bootstrap-admin-key-0123456789';
let dir: string;
let db: string;
let scanner: SecretScanner;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-start-up-'));
  db = join(dir, 'keys.db');
  scanner = new SecretScanner();
  scanner.addSecret(ADMIN);
});
afterEach(async () => {
  scanner.assertNoLeaks();
  await rm(dir, { recursive: true, force: true });
});

async function startService(args: string[] = []): Promise<KeyService> {
  const service = await KeyService.start({ dir, dbPath: db, adminKey: ADMIN, args });
  service.onSecret = (secret) => scanner.addSecret(secret);
  return service;
}

async function stopService(service: KeyService, label: string): Promise<{ stdout: string; stderr: string }> {
  await service.stop();
  const output = service.output();
  scanner.record(`${label} stdout`, output.stdout);
  scanner.record(`${label} stderr`, output.stderr);
  return output;
}

/** `keyplan serve` expected to refuse to start: it must exit by itself. */
async function refusedStart(args: string[] = []): Promise<CliResult> {
  const result = await runCli(['serve', '--host', '127.0.0.1', '--port', '0', '--db', db, ...args], { cwd: dir, env: { KEYPLAN_ADMIN_KEY: ADMIN }, timeoutMs: 20_000 });
  scanner.record('refused serve stdout', result.stdout);
  scanner.record('refused serve stderr', result.stderr);
  return result;
}

async function serviceWithKeys(count: number): Promise<void> {
  const service = await startService();
  for (let i = 0; i < count; i++) await service.createKey(`start-up-key-${i}`, ['READONLY'], { description: `key number ${i} of the start-up test` });
  await stopService(service, 'seeding serve');
  await scanner.recordFile('database', db);
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function sqlite(): typeof Database {
  return createRequire(import.meta.url)('better-sqlite3') as typeof Database;
}

/** Overwrites one whole page in the middle of the database file with garbage, as a failing disk would. */
function corruptMiddlePage(path: string): void {
  const pageSize = readFileSync(path).readUInt16BE(16);
  const pages = statSync(path).size / pageSize;
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, Math.floor(pages / 2) * pageSize);
  } finally {
    closeSync(fd);
  }
}

/** What SQLite's own quick check says of the file: `ok`, its findings, or the error it stopped at. */
function quickCheck(path: string): string {
  const connection = new (sqlite())(path, { readonly: true });
  try {
    return (connection.pragma('quick_check') as { quick_check: string }[]).map((row) => row.quick_check).join('\n');
  } catch (error) {
    return (error as Error).message;
  } finally {
    connection.close();
  }
}

/** Makes the database file unwritable in a way that holds for the user running the tests (root ignores file modes). */
function makeReadOnly(path: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) {
    chmodSync(path, 0o444);
    return () => chmodSync(path, 0o600);
  }
  try {
    execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
    return () => execFileSync('chattr', ['-i', path], { stdio: 'ignore' });
  } catch {
    return undefined; // no chattr, or a file system without the immutable flag (tmpfs): root cannot be stopped here
  }
}

describe.skipIf(TEST_STORE === 'postgres')('keyplan serve at start-up never hides a loss (SQLite)', () => {
  it('documents --init in keyplan serve --help', async () => {
    const help = await runCli(['serve', '--help'], { cwd: dir });
    expect(help.exitCode, describeRun(help)).toBe(0);
    // Help text wraps at the terminal width: compare it as one line.
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('--init SQLite: create a new, empty database where its pepper file exists but the database is missing or empty');
  });

  it('refuses a database emptied or missing beside its pepper, naming the file and how to restore; --init makes a new one', async () => {
    await serviceWithKeys(3);
    truncateSync(db, 0);
    const emptied = await refusedStart();
    expect(emptied.exitCode, describeRun(emptied)).toBe(1);
    expect(emptied.stderr.trim().split('\n')).toEqual([
      `Error: the database ${db} is empty (0 bytes), but its pepper ${db}.pepper exists, so it held keys: restore keys.db from the backup made together with its pepper, or start with --init to create a new, empty database (every key it held is then gone).`,
    ]);
    expect(statSync(db).size).toBe(0);

    unlinkSync(db);
    const missing = await refusedStart();
    expect(missing.exitCode, describeRun(missing)).toBe(1);
    expect(missing.stderr).toContain(`the database ${db} is missing, but its pepper ${db}.pepper exists`);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);

    const fresh = await startService(['--init']);
    expect(fresh.output().stderr).toContain(`created a new database ${db}`);
    expect((await fresh.call('GET', '/v1/ready')).status).toBe(200);
    expect((await fresh.call<{ keys: unknown[] }>('GET', '/v1/keys')).body.keys).toEqual([]);
    await fresh.createKey('after-init', ['READONLY']);
    await stopService(fresh, 'serve --init');
    // The new database belongs to the pepper that was kept: a plain start serves it.
    const again = await startService();
    expect((await again.call<{ keys: { name: string }[] }>('GET', '/v1/keys')).body.keys.map((key) => key.name)).toEqual(['after-init']);
    await stopService(again, 'serve after --init');
  });

  it('serves a database with a damaged page as not ready (503 to every client, never 500) and logs one line naming the file', async () => {
    await serviceWithKeys(50);
    corruptMiddlePage(db);
    expect(quickCheck(db)).not.toBe('ok');

    const service = await startService();
    const ready = await service.call<{ error: { code: string } }>('GET', '/v1/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error.code).toBe('unavailable');
    const created = await service.call('POST', '/v1/keys', { body: { name: 'on-a-damaged-disk', roles: ['READONLY'] } });
    expect(created.status).toBe(503);
    expect((await service.call('GET', '/v1/keys')).status).toBe(503);
    expect((await service.call('POST', '/v1/verify', { body: { key: 'kp_not-a-real-key-at-all-0123456789' } })).status).toBe(503);
    expect((await service.call('GET', '/v1/health')).status).toBe(200);
    const { stderr } = await stopService(service, 'damaged serve');

    const notices = stderr.split('\n').filter((line) => line.includes('is corrupt'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(new RegExp(`^\\S+ keyplan serve: the database ${escaped(db)} is corrupt \\(.+\\); .*not ready.*restore ${escaped(db)} from a backup`));
    expect(stderr).not.toMatch(/ 500 |internal error/);
    expect(stderr).toMatch(/^\S+ POST \/v1\/keys 503 /m);
  });

  it('refuses a read-only database with a message saying so, not SQLITE_CANTOPEN', async (context) => {
    await serviceWithKeys(1);
    const undo = makeReadOnly(db);
    // Only as root on a file system without the immutable flag: nothing can make the file read-only for root.
    if (!undo) return context.skip();
    try {
      const result = await refusedStart();
      expect(result.exitCode, describeRun(result)).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`^Error: the database ${escaped(db)} is read-only \\(`));
      expect(result.stderr).not.toContain('SQLITE_');
    } finally {
      undo();
    }
    const service = await startService();
    expect((await service.call('GET', '/v1/ready')).status).toBe(200);
    await stopService(service, 'writable again');
  });
});
