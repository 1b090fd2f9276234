import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/plan.js';
import { Secret } from '../../src/core/secret.js';
import { applyPlan } from '../../src/engine/apply.js';
import { SecretDelivery, type DeliveryRequest } from '../../src/engine/deliver.js';
import { Journal } from '../../src/engine/journal.js';
import { readSnapshots } from '../../src/engine/providers.js';
import { LocalProvider } from '../../src/providers/local/local.js';
import { KeyStore } from '../../src/store/sqlite/key-store.js';
import { GitHubSecrets } from '../../src/sinks/github-secret.js';
import { desiredKey, desiredState } from '../core/builders.js';
import { API, TOKEN, repoKeyPair, type RepoKeyPair } from '../github/fake-github.js';

const PLAINTEXT = 'kp_live_0a1b2c3d4e5f60718293a4b5c6d7e8f9deadbeefcafe';

let dir: string;
let keys: RepoKeyPair;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-deliver-github-'));
  keys = await repoKeyPair();
  nock.disableNetConnect();
});

afterEach(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await rm(dir, { recursive: true, force: true });
});

function delivery(): SecretDelivery {
  return new SecretDelivery(join(dir, '.keyplan', 'recovery.env'), { github: new GitHubSecrets({ env: { GITHUB_TOKEN: TOKEN } }) });
}

function entry(): DeliveryRequest {
  return {
    provider: 'default',
    name: 'billing-reader',
    targets: [
      { type: 'file', path: join(dir, 'secrets.env'), format: 'dotenv', var: 'BILLING_API_KEY' },
      { type: 'github-secret', repo: 'acme/billing', name: 'BILLING_API_KEY' },
    ],
  };
}

/** GitHub's public-key endpoint for acme/billing, then a PUT answered with `status`; the PUT bodies' plaintexts are collected. */
function github(status: number, message?: string): { opened: string[]; done: () => boolean } {
  const opened: string[] = [];
  const scope = nock(API)
    .get('/repos/acme/billing/actions/secrets/public-key')
    .reply(200, { key_id: keys.keyId, key: keys.publicKey })
    .put('/repos/acme/billing/actions/secrets/BILLING_API_KEY', (body: { encrypted_value: string; key_id: string }) => {
      opened.push(keys.open(body.encrypted_value));
      return body.key_id === keys.keyId;
    })
    .reply(status, message === undefined ? undefined : { message });
  return { opened, done: () => scope.isDone() };
}

describe('SecretDelivery with a GitHub Actions secret', () => {
  it('delivers one secret to a file and to GitHub', async () => {
    const remote = github(201);
    const result = await delivery().deliver(entry(), new Secret(PLAINTEXT));

    expect(result).toEqual({ delivered: [expect.stringContaining('secrets.env (BILLING_API_KEY)'), 'github-secret acme/billing (BILLING_API_KEY)'], failures: [] });
    expect(remote.done()).toBe(true);
    expect(remote.opened).toEqual([PLAINTEXT]);
    expect(await readFile(join(dir, 'secrets.env'), 'utf8')).toBe(`BILLING_API_KEY=${PLAINTEXT}\n`);
  });

  it('saves the secret to a 0600 recovery file when GitHub refuses it, and says why without the secret', async () => {
    const remote = github(403, 'Resource not accessible by personal access token');
    const result = await delivery().deliver(entry(), new Secret(PLAINTEXT));

    expect(remote.done()).toBe(true);
    expect(result.delivered).toEqual([expect.stringContaining('secrets.env (BILLING_API_KEY)')]);
    expect(result.failures).toEqual([
      'github-secret acme/billing (BILLING_API_KEY): the token in GITHUB_TOKEN cannot write secrets of acme/billing (needs the secrets: write permission): Resource not accessible by personal access token',
    ]);
    expect(result.recoveryFile).toMatch(/recovery\.env$/);
    const recovery = join(dir, '.keyplan', 'recovery.env');
    expect(await readFile(recovery, 'utf8')).toBe(`BILLING_READER__DEFAULT=${PLAINTEXT}\n`);
    expect((await stat(recovery)).mode & 0o777).toBe(0o600);
    for (const secret of [PLAINTEXT, TOKEN]) expect(JSON.stringify(result)).not.toContain(secret);
  });

  it('apply creates a key and GitHub receives exactly its new secret', async () => {
    const db = join(dir, 'keys.db');
    const pepper = 'test-pepper-of-32-bytes-or-more!!';
    const provider = LocalProvider.open({ name: 'default', path: db, pepper });
    let sent: string | undefined;
    try {
      const remote = github(201);
      const key = desiredKey({ name: 'billing-reader', deliver: [{ type: 'github-secret', repo: 'acme/billing', name: 'BILLING_API_KEY' }] });
      const providers = new Map([['default', provider]]);
      const plan = makePlan(desiredState([key]), await readSnapshots(providers), Date.now());
      const journal = await Journal.open(join(dir, '.keyplan', 'journal.json'));
      const [outcome] = await applyPlan(plan, { providers, journal, delivery: delivery(), parallelism: 2, now: Date.now() });

      expect(outcome).toMatchObject({ kind: 'create', status: 'done', delivered: ['github-secret acme/billing (BILLING_API_KEY)'] });
      expect(remote.done()).toBe(true);
      expect(remote.opened).toHaveLength(1);
      sent = remote.opened[0];
      expect(journal.pending()).toEqual([]);
    } finally {
      await provider.close();
    }
    // What GitHub got, once unsealed, is the secret of the key that was created.
    const store = KeyStore.open(db, { pepper });
    try {
      expect(store.authenticate(sent ?? '')).toMatchObject({ ok: true, key: { name: 'billing-reader' } });
    } finally {
      store.close();
    }
  });
});
