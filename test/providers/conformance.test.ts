/** The provider contract suite against every built-in provider, each over a real store or server. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { openProvider, type Provider } from '../../src/providers/index.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { KeyStore } from '../../src/store/sqlite/key-store.js';
import { useKeystone } from '../e2e/helpers/keystone.js';
import { useStrapi } from '../e2e/helpers/strapi.js';
import { describeConformance } from './conformance.js';

const source = { file: 'keys.yaml', line: 1, column: 1 };
const PEPPER = 'a-conformance-pepper-of-enough-bytes-0123456789';
const ADMIN_KEY = 'kp_conformance_admin_0123456789abcdefghijklmnop';
let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-conformance-'));
  server = await startServer({ dbPath: join(dir, 'serve.db'), port: 0, adminKey: ADMIN_KEY, pepper: PEPPER, log: () => undefined });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

let localFiles = 0;
describeConformance('local (SQLite file)', async () => {
  localFiles += 1;
  const path = join(dir, `local-${localFiles}.db`);
  const provider = await openProvider({ name: 'default', type: 'local', settings: { path }, source }, { env: { KEYPLAN_PEPPER: PEPPER } });
  const backdoor = KeyStore.open(path, { pepper: PEPPER });
  return {
    provider,
    roles: { narrow: ['READONLY'], broad: ['ADMIN'] },
    use: async (secret) => backdoor.verify(secret.reveal()).valid,
    revokeOutOfBand: async (id) => void backdoor.revokeKey(id),
    close: async () => {
      await provider.close();
      backdoor.close();
    },
  };
});

describeConformance('http (keyplan serve)', async () => {
  const provider = await openProvider({ name: 'prod', type: 'http', settings: { url: server.url, tokenEnv: 'KP_TOKEN' }, source }, { env: { KP_TOKEN: ADMIN_KEY } });
  const call = async (method: 'POST' | 'DELETE', path: string, body?: unknown) => {
    const response = await request(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: (await response.body.json()) as { valid?: boolean } };
  };
  return {
    provider,
    roles: { narrow: ['READONLY'], broad: ['ADMIN'] },
    use: async (secret) => (await call('POST', '/v1/verify', { key: secret.reveal() })).body.valid === true,
    revokeOutOfBand: async (id) => void (await call('DELETE', `/v1/keys/${encodeURIComponent(id)}`)),
    close: () => provider.close(),
  };
});

/** The example provider package, installed (copied) into node_modules beside a keys.yaml, as npm would. */
async function installExamplePackage(into: string): Promise<string> {
  const target = join(into, 'node_modules', 'keyplan-provider-jsonfile');
  await cp(fileURLToPath(new URL('../../examples/provider-package', import.meta.url)), target, { recursive: true });
  return target;
}

let packageRuns = 0;
describeConformance('package keyplan-provider-jsonfile (examples/provider-package)', async () => {
  packageRuns += 1;
  const baseDir = join(dir, `package-${packageRuns}`);
  const installed = await installExamplePackage(baseDir);
  const helpers = (await import(pathToFileURL(join(installed, 'index.js')).href)) as {
    verifyKey(path: string, secret: string): Promise<boolean>;
    revokeByHand(path: string, id: string): Promise<void>;
  };
  const keysFile = join(baseDir, 'keys.json');
  const provider = await openProvider(
    { name: 'notes', type: 'package', settings: { package: 'keyplan-provider-jsonfile', options: { path: 'keys.json' }, baseDir }, source },
    { env: {} },
  );
  return {
    provider,
    roles: { narrow: ['reader'], broad: ['writer'] },
    use: (secret) => helpers.verifyKey(keysFile, secret.reveal()),
    revokeOutOfBand: (id) => helpers.revokeByHand(keysFile, id),
    close: () => provider.close(),
  };
});

describeStrapi();
describeKeystone();

function describeKeystone(): void {
  const keystone = useKeystone();
  describeConformance('keystone (a real Keystone 2:22, application credentials)', async () => {
    const server = keystone();
    const provider = await openProvider({ name: 'cloud', type: 'keystone', settings: {}, source }, { env: server.adminEnv() });
    const credentials = new Map<string, string>();
    return {
      provider: {
        ...bind(provider),
        // The secret authenticates with the credential's id, which the suite's use() needs beside it.
        create: async (input) => {
          const created = await provider.create(input);
          credentials.set(created.secret.reveal(), created.key.id);
          return created;
        },
      },
      roles: { narrow: ['reader'], broad: ['member'] },
      use: async (secret) => (await server.authenticate(credentials.get(secret.reveal()) ?? 'unknown', secret.reveal())).status === 201,
      revokeOutOfBand: (id) => server.deleteCredential(id),
      close: () => provider.close(),
    };
  });
}

/** A provider's methods as plain properties, to wrap one of them. */
function bind(provider: Provider): Provider {
  return {
    name: provider.name,
    description: provider.description,
    capabilities: () => provider.capabilities(),
    roles: () => provider.roles(),
    list: (options) => provider.list(options),
    identity: () => provider.identity?.() ?? Promise.resolve(undefined),
    create: (input) => provider.create(input),
    update: (id, patch, etag) => provider.update(id, patch, etag),
    revoke: (id) => provider.revoke(id),
    close: () => provider.close(),
  };
}

function describeStrapi(): void {
  const strapi = useStrapi();
  describeConformance('strapi (a real Strapi 5.54)', async () => {
    const server = strapi();
    const provider = await openProvider({ name: 'cms', type: 'strapi', settings: { url: server.url, auth: { tokenEnv: 'KP_STRAPI' } }, source }, { env: { KP_STRAPI: server.adminToken } });
    return {
      provider,
      roles: { narrow: ['api::note.note.find'], broad: ['full-access'] },
      use: async (secret) => (await server.useToken(secret.reveal())) === 200,
      revokeOutOfBand: (id) => server.deleteToken(Number(id)),
      close: () => provider.close(),
    };
  });
}
