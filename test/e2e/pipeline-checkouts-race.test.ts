import { describe, expect, it } from 'vitest';
import { TOKEN_ENV, activeKeys, expectExit, httpTarget, readSecretsFile, sweepFiles, type ApplyTarget } from './helpers/apply-world.js';
import { describeRun, type CliResult } from './helpers/cli.js';
import { keysYaml } from './helpers/keys-yaml.js';
import { dotenvKey, expectDelivered, varOf, verifiedName } from './helpers/pipeline.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const ROUNDS = 10;
const KEYS_PER_ROUND = 4;
const CHECKOUTS = ['checkout-1', 'checkout-2'];
const LOST = /created by another apply \(its secret went to that run's sinks\)/;

/** The same keys.yaml in each checkout (same ownership); each delivers to its own `secrets.env`. */
async function writeBoth(ws: E2eWorkspace, target: ApplyTarget, names: string[], expires = '30d', sink = 'secrets.env'): Promise<void> {
  const text = keysYaml({ ownership: 'acme/race', providers: { main: target.provider }, keys: names.map((name) => dotenvKey(name, sink, { expires })) });
  for (const dir of CHECKOUTS) await ws.writeFile(`${dir}/keys.yaml`, text);
}

function applyBoth(ws: E2eWorkspace, target: ApplyTarget, args: string[]): Promise<CliResult[]> {
  const runs = CHECKOUTS.map((dir) => ws.start(['apply', ...args, '-c', `${dir}/keys.yaml`], { env: { [TOKEN_ENV]: target.service.adminKey } }));
  return Promise.all(runs.map((run) => run.done));
}

/** A key service that does not offer the apply lease (as one from before leases): its capabilities say nothing of them. */
async function withoutLease(ws: E2eWorkspace): Promise<{ target: ApplyTarget; leaseCalls: () => string[] }> {
  const service = await ws.startKeyService();
  const capabilities = (await service.call<Record<string, unknown>>('GET', '/v1/capabilities')).body;
  delete capabilities.leases;
  const proxy = await ws.startFaultProxy(service.url, (_n, req) => (req.method === 'GET' && req.url === '/v1/capabilities' ? { status: 200, body: capabilities } : undefined));
  return { target: httpTarget(service, proxy.url), leaseCalls: () => proxy.log.filter((line) => line.includes('/v1/leases')) };
}

describe('two checkouts of one configuration applying at once, on a key service without the apply lease', () => {
  const workspace = useWorkspace();

  it(`never tell a checkout it created a key whose secret is not in its sinks (${ROUNDS} races)`, async () => {
    const ws = workspace();
    const { target, leaseCalls } = await withoutLease(ws);
    const names: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const added = Array.from({ length: KEYS_PER_ROUND }, (_, i) => `R${round}_K${i + 1}`);
      names.push(...added);
      await writeBoth(ws, target, names);
      const results = await applyBoth(ws, target, ['--auto-approve']);
      const live = await activeKeys(target.service);
      for (const name of names) expect(live.filter((key) => key.name === name), `live keys named ${name}`).toHaveLength(1);
      for (const [index, result] of results.entries()) {
        const sink = `${CHECKOUTS[index]}/secrets.env`;
        const secrets = await readSecretsFile(ws, sink).catch(() => new Map<string, string>());
        if (!result.stdout.includes('No changes')) expect(result.stdout, describeRun(result)).toContain('cannot hold an apply lease');
        for (const name of added) {
          // Created here (its secret in this checkout's sink), lost to the other apply (said so), or already
          // made by the other apply before this one planned (a notice, or no change once delivered): never both.
          const created = new RegExp(`✓ created main/${name} `).test(result.stdout);
          const lost = new RegExp(`main/${name}: ${LOST.source}`).test(result.stdout);
          expect(created && lost, `${name} both created and lost\n${describeRun(result)}`).toBe(false);
          if (created) expect(await verifiedName(target.service, secrets.get(varOf(name)) as string), `${name} in ${sink}`).toBe(name);
        }
        // Told done only when every key it reports created has its secret here; a lost create is no success.
        if (result.exitCode === 0) expect(result.stdout).not.toMatch(LOST);
        else expect(result.stdout).not.toContain('Run keyplan apply again to finish');
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
      // Every secret in every sink verifies as its live key.
      for (const dir of CHECKOUTS) {
        for (const [variable, secret] of await readSecretsFile(ws, `${dir}/secrets.env`).catch(() => new Map<string, string>())) {
          expect(varOf((await verifiedName(target.service, secret)) ?? 'none'), `${variable} in ${dir}/secrets.env`).toBe(variable);
        }
      }
    }
    expect(leaseCalls()).toEqual([]);
    await sweepFiles(ws, CHECKOUTS.map((dir) => `${dir}/secrets.env`));
  }, 600_000);
});

describe('two checkouts rotating at once, with the apply lease', () => {
  const workspace = useWorkspace();

  it('never leave a revoked secret in the sink they share: each one verifies live', async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    const names = Array.from({ length: KEYS_PER_ROUND }, (_, i) => `Rot_K${i + 1}`);
    const shared = 'shared/secrets.env';
    await writeBoth(ws, target, names, '30d', ws.path(shared));
    await expectExit(ws.run(['apply', '--auto-approve', '-c', `${CHECKOUTS[0]}/keys.yaml`], { env: { [TOKEN_ENV]: target.service.adminKey } }), 0);
    for (const expires of ['40d', '50d', '60d', '70d', '80d', '90d', '100d', '110d', '120d', '130d']) {
      await writeBoth(ws, target, names, expires, ws.path(shared));
      const results = await applyBoth(ws, target, ['--auto-approve', '--force', '--allow-in-use', '--lock-timeout', '2m']);
      for (const result of results) expect(result.exitCode, describeRun(result)).toBe(0);
      // One rotated; the other waited for the lease and then found nothing to do.
      expect(results.filter((r) => r.stdout.includes(`${KEYS_PER_ROUND} rotated`)), results.map(describeRun).join('\n')).toHaveLength(1);
      await expectDelivered(ws, target.service, shared, names);
    }
    await sweepFiles(ws, [shared]);
  }, 600_000);
});
