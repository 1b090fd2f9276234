#!/usr/bin/env node
// Installs a real Strapi 5.54 (SQLite, API only, one `note` content type) into a cache directory
// outside the source tree, once; later runs reuse it. Only the npm registry is used: the project
// files are copied from ./app, never fetched from a template repository.
//   node test/e2e/strapi/install.mjs          # ensure it is installed, print the directory
// The directory is $KEYPLAN_STRAPI_CACHE, or ~/.cache/keyplan-strapi-5.54.0.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STRAPI_VERSION = '5.54.0';
const APP_TEMPLATE = fileURLToPath(new URL('./app', import.meta.url));

const PACKAGE_JSON = {
  name: 'keyplan-strapi-test-app',
  private: true,
  version: '0.0.0',
  description: 'A real Strapi for keyplan tests (installed by test/e2e/strapi/install.mjs)',
  dependencies: {
    '@strapi/strapi': STRAPI_VERSION,
    'better-sqlite3': '12.4.1',
    react: '^18.3.1',
    'react-dom': '^18.3.1',
    'react-router-dom': '^6.30.3',
    'styled-components': '^6.1.19',
  },
  strapi: { telemetryDisabled: true },
};

export function strapiCacheDir() {
  return process.env.KEYPLAN_STRAPI_CACHE || join(homedir(), '.cache', `keyplan-strapi-${STRAPI_VERSION}`);
}

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true })
    .map((entry) => join(dir, String(entry)))
    .filter((path) => statSync(path).isFile())
    .sort();
}

function templateHash() {
  const hash = createHash('sha256').update(JSON.stringify(PACKAGE_JSON));
  for (const file of filesUnder(APP_TEMPLATE)) hash.update(relative(APP_TEMPLATE, file)).update('\0').update(readFileSync(file));
  return hash.digest('hex');
}

function installedHash(dir) {
  try {
    return readFileSync(join(dir, '.keyplan-ready'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function sameDependencies(dir) {
  try {
    const current = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return JSON.stringify(current.dependencies) === JSON.stringify(PACKAGE_JSON.dependencies) && existsSync(join(dir, 'node_modules', '@strapi', 'strapi'));
  } catch {
    return false;
  }
}

async function withLock(dir, work) {
  mkdirSync(dirname(dir), { recursive: true });
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 20 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`another Strapi install holds ${lock}; remove it if no install is running`);
      await sleep(2000);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Ensures the cached Strapi is installed and current; returns its directory. */
export async function ensureStrapi({ log = () => undefined } = {}) {
  const dir = strapiCacheDir();
  const wanted = templateHash();
  if (installedHash(dir) === wanted) return dir;
  return withLock(dir, async () => {
    if (installedHash(dir) === wanted) return dir;
    mkdirSync(dir, { recursive: true });
    rmSync(join(dir, '.keyplan-ready'), { force: true });
    for (const stale of ['config', 'src']) rmSync(join(dir, stale), { recursive: true, force: true });
    cpSync(APP_TEMPLATE, dir, { recursive: true });
    if (!sameDependencies(dir)) {
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify(PACKAGE_JSON, null, 2)}\n`);
      log(`installing Strapi ${STRAPI_VERSION} into ${dir} (a few minutes, once)`);
      const started = Date.now();
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const child = spawn(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', '--omit=dev'], {
        cwd: dir,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true', npm_config_update_notifier: 'false' },
      });
      const [status] = await once(child, 'exit');
      if (status !== 0) throw new Error(`npm install of Strapi ${STRAPI_VERSION} in ${dir} failed (exit ${status})`);
      log(`Strapi installed in ${Math.round((Date.now() - started) / 1000)} s`);
    }
    writeFileSync(join(dir, '.keyplan-ready'), `${wanted}\n`);
    return dir;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = await ensureStrapi({ log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${dir}\n`);
}
