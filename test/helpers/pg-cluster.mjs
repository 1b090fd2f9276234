// A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` into a temp dir, `pg_ctl start` on a free
// port on 127.0.0.1, stopped and deleted afterwards. The one place that knows how to run a real PostgreSQL here.
// initdb refuses to run as root, so as root the cluster runs as the `postgres` user (Debian's package creates it).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The directory holding initdb and pg_ctl: PG_BIN, else Debian's newest /usr/lib/postgresql/N/bin, else PATH. */
export function postgresBinDir() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) if (existsSync(join(root, version, 'bin', 'initdb'))) return join(root, version, 'bin');
  }
  return '';
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let databases = 0;

/** A new empty database on the cluster `adminUrl` points at (as a superuser); returns its URL. */
export async function createDatabase(adminUrl, prefix = 'keyplan_test') {
  databases += 1;
  const name = `${prefix}_${process.pid}_${databases}_${Date.now().toString(36)}`;
  await runSql(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one statement on `url` and returns its rows. */
export async function runSql(url, text, values = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

export class PgCluster {
  /** @param {string} dir @param {number} port @param {string} bin @param {string | undefined} runAs */
  constructor(dir, port, bin, runAs) {
    this.dir = dir;
    this.port = port;
    this.bin = bin;
    this.runAs = runAs;
  }

  /** initdb + start. Superuser `postgres`, trust authentication on 127.0.0.1 only. */
  static async start() {
    const bin = postgresBinDir();
    const runAs = userInfo().uid === 0 ? 'postgres' : undefined;
    const dir = await mkdtemp(join(tmpdir(), 'keyplan-pg-'));
    if (runAs) {
      const { stdout } = await run('id', ['-u', runAs]);
      const { stdout: gid } = await run('id', ['-g', runAs]);
      await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const cluster = new PgCluster(dir, await freePort(), bin, runAs);
    try {
      await cluster.#tool('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
      await cluster.startServer();
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return cluster;
  }

  get dataDir() {
    return join(this.dir, 'data');
  }

  /** A URL for `database` as the superuser. */
  url(database = 'postgres') {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A new empty database; returns its URL. */
  createDatabase(prefix = 'keyplan_test') {
    return createDatabase(this.url(), prefix);
  }

  async startServer() {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`;
    await this.#tool('pg_ctl', ['-D', this.dataDir, '-o', options, '-l', join(this.dir, 'server.log'), '-w', '-t', '60', 'start']);
  }

  /** Stops the server (fast: open sessions are ended), keeping the data. */
  async stopServer() {
    await this.#tool('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  async log() {
    return readFile(join(this.dir, 'server.log'), 'utf8').catch(() => '');
  }

  /** Stops the server and deletes the cluster. */
  async destroy() {
    try {
      if (existsSync(join(this.dataDir, 'postmaster.pid'))) await this.stopServer();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  async #tool(name, args) {
    const program = this.bin ? join(this.bin, name) : name;
    const [file, argv] = this.runAs ? ['runuser', ['-u', this.runAs, '--', program, ...args]] : [program, args];
    try {
      await run(file, argv, { cwd: this.dir, timeout: 120_000 });
    } catch (error) {
      const detail = `${error.stderr ?? ''}${error.stdout ?? ''}`.trim();
      throw new Error(`${name} failed: ${detail || error.message}${error.code === 'ENOENT' ? ' (install PostgreSQL: apt-get install -y postgresql)' : ''}`);
    }
  }
}
