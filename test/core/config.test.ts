import { BUILT_IN_NORMALIZERS } from '../../src/providers/normalizers.js';
import { describe, expect, it } from 'vitest';
import { normalizeConfig, type NormalizeInput, type SourceDocument } from '../../src/core/config.js';
import { DEFAULT_POLICY } from '../../src/core/model.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1);
const BASE = '/repo';

/** A parsed file; positions are not under test here (test/io covers them), so every node sits at 1:1. */
function source(data: unknown, name = 'keys.yaml'): SourceDocument {
  return { path: `${BASE}/${name}`, displayPath: name, data, locate: () => ({ line: 1, column: 1 }) };
}

function key(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, roles: ['READONLY'], ...extra };
}

function input(root: Record<string, unknown>, includes: Record<string, unknown>[] = []): NormalizeInput {
  return {
    root: source({ version: 1, ...root }),
    includes: includes.map((data, index) => source(data, `teams/${index}.yaml`)),
    baseDir: BASE,
    providerTypes: BUILT_IN_NORMALIZERS,
    now: NOW,
  };
}

function stateOf(root: Record<string, unknown>, includes: Record<string, unknown>[] = []) {
  const result = normalizeConfig(input(root, includes));
  if (!result.ok) throw new Error(result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  return result.state;
}

function issuesOf(root: Record<string, unknown>, includes: Record<string, unknown>[] = []) {
  const result = normalizeConfig(input(root, includes));
  if (result.ok) throw new Error('expected issues');
  return result.issues.map((issue) => ({ file: issue.file, path: issue.path, message: issue.message }));
}

describe('normalizeConfig', () => {
  it('implies the embedded default provider, resolved against the root file directory', () => {
    const state = stateOf({ keys: [key('A')] });
    expect(state.providers).toEqual({
      default: { name: 'default', type: 'local', settings: { path: '/repo/.keyplan/keys.db' }, source: { file: 'keys.yaml', line: 1, column: 1 } },
    });
    expect(state.keys[0]?.provider).toBe('default');
    expect(state.policy).toEqual(DEFAULT_POLICY);
    expect(state.files).toEqual(['/repo/keys.yaml']);
  });

  it('normalizes every key field', () => {
    const state = stateOf({
      keys: [
        key('Billing_Reader', {
          description: 'Reads invoices',
          expires: '90d',
          owner: 'team-billing',
          consumers: ['dashboard'],
          renamed_from: ['billing_ro'],
          rotation: { every: '30d', before_expiry: '7d', overlap: '12h' },
          deliver: [
            { type: 'file', path: 'out/secrets.env', var: 'BILLING_KEY' },
            { type: 'file', path: '/abs/s.json', format: 'json', var: 'OTHER' },
            { type: 'github-secret', repo: 'acme/app', name: 'BILLING_KEY', environment: 'prod' },
          ],
          prevent_revoke: true,
        }),
      ],
    });
    expect(state.keys[0]).toEqual({
      name: 'Billing_Reader',
      description: 'Reads invoices',
      roles: ['READONLY'],
      expires: { kind: 'relative', ms: 90 * DAY, text: '90d' },
      owner: 'team-billing',
      consumers: ['dashboard'],
      provider: 'default',
      renamedFrom: ['billing_ro'],
      rotation: { everyMs: 30 * DAY, beforeExpiryMs: 7 * DAY, overlapMs: 12 * 3_600_000 },
      deliver: [
        { type: 'file', path: '/repo/out/secrets.env', format: 'dotenv', var: 'BILLING_KEY' },
        { type: 'file', path: '/abs/s.json', format: 'json', var: 'OTHER' },
        { type: 'github-secret', repo: 'acme/app', name: 'BILLING_KEY', environment: 'prod' },
      ],
      preventRevoke: true,
      source: { file: 'keys.yaml', line: 1, column: 1 },
      fields: { expires: { file: 'keys.yaml', line: 1, column: 1 }, roles: { file: 'keys.yaml', line: 1, column: 1 }, deliver: { file: 'keys.yaml', line: 1, column: 1 }, 'rotation.every': { file: 'keys.yaml', line: 1, column: 1 }, 'rotation.before_expiry': { file: 'keys.yaml', line: 1, column: 1 }, 'rotation.overlap': { file: 'keys.yaml', line: 1, column: 1 } },
    });
  });

  it('fills defaults for optional key fields and a rotation without overlap', () => {
    const state = stateOf({ keys: [key('A', { rotation: { every: '90d' } })] });
    expect(state.keys[0]).toMatchObject({ description: '', consumers: [], renamedFrom: [], deliver: [], preventRevoke: false });
    expect(state.keys[0]?.expires).toBeUndefined();
    expect(state.keys[0]?.rotation).toEqual({ everyMs: 90 * DAY, overlapMs: 0 });
  });

  it('reads the policy, keeping defaults for fields not written', () => {
    const state = stateOf({ policy: { stale_after: '30d', max_lifetime: '1y', require_expiry_for: ['ADMIN'], prune: true, max_change_fraction: 0.5 } });
    expect(state.policy).toEqual({
      ...DEFAULT_POLICY,
      staleAfterMs: 30 * DAY,
      maxLifetimeMs: 365 * DAY,
      requireExpiryFor: ['ADMIN'],
      prune: true,
      maxChangeFraction: 0.5,
    });
    expect(stateOf({ policy: { max_lifetime: 'never' } }).policy.maxLifetimeMs).toBeNull();
  });

  it('reads http providers and fills a lone provider into keys', () => {
    const state = stateOf({
      providers: { prod: { type: 'http', url: 'https://keys.example.com', token_env: 'TOKEN', timeout: '30s' } },
      keys: [key('A')],
    });
    expect(state.providers.prod).toMatchObject({ type: 'http', settings: { url: 'https://keys.example.com', tokenEnv: 'TOKEN', timeoutMs: 30_000 } });
    expect(state.keys[0]?.provider).toBe('prod');
  });

  it('collects keys from included files after the root', () => {
    const state = stateOf({ keys: [key('Root')] }, [{ keys: [key('Team')] }]);
    expect(state.keys.map((k) => [k.name, k.source.file])).toEqual([['Root', 'keys.yaml'], ['Team', 'teams/0.yaml']]);
    expect(state.files).toEqual(['/repo/keys.yaml', '/repo/teams/0.yaml']);
  });

  it('reports a duplicate name across files, naming the first place', () => {
    expect(issuesOf({ keys: [key('A')] }, [{ keys: [key('A')] }])).toEqual([
      { file: 'teams/0.yaml', path: '/keys/0/name', message: 'duplicate key `A` in provider `default`: first declared at keys.yaml:1:1' },
    ]);
  });

  it('allows one name in two providers', () => {
    const providers = { a: { type: 'local', path: 'a.db' }, b: { type: 'local', path: 'b.db' } };
    const state = stateOf({ providers, keys: [key('A', { provider: 'a' }), key('A', { provider: 'b' })] });
    expect(state.keys.map((k) => k.provider)).toEqual(['a', 'b']);
  });

  it('requires `provider:` when several providers exist, and a declared one', () => {
    const providers = { a: { type: 'local', path: 'a.db' }, b: { type: 'local', path: 'b.db' } };
    expect(issuesOf({ providers, keys: [key('A'), key('B', { provider: 'c' })] })).toEqual([
      { file: 'keys.yaml', path: '/keys/0/name', message: expect.stringContaining('several providers are declared (a, b)') },
      { file: 'keys.yaml', path: '/keys/1/provider', message: expect.stringContaining('names provider `c`, which is not declared') },
    ]);
  });

  it('rejects renamed_from naming a declared key, its own name, or a name another key claims', () => {
    const issues = issuesOf({
      keys: [key('A', { renamed_from: ['B', 'A', 'old'] }), key('B'), key('C', { renamed_from: ['old'] })],
    });
    expect(issues).toEqual([
      { file: 'keys.yaml', path: '/keys/0/renamed_from/0', message: expect.stringContaining('names a key that is still declared') },
      { file: 'keys.yaml', path: '/keys/0/renamed_from/1', message: expect.stringContaining('its own name') },
      { file: 'keys.yaml', path: '/keys/2/renamed_from/0', message: expect.stringContaining('also claimed by key `A`') },
    ]);
  });

  it('enforces require_expiry_for', () => {
    const policy = { require_expiry_for: ['ADMIN'] };
    const admin = { roles: ['ADMIN'] };
    expect(issuesOf({ policy, keys: [key('A', admin), key('B', { ...admin, expires: 'never' }), key('C', { ...admin, expires: '30d' })] })).toEqual([
      { file: 'keys.yaml', path: '/keys/0/name', message: expect.stringContaining('has no `expires:`, but it holds ADMIN') },
      { file: 'keys.yaml', path: '/keys/1/expires', message: expect.stringContaining('has expires: never, but it holds ADMIN') },
    ]);
  });

  it('enforces max_lifetime for durations, dates (from now), never and missing expiry', () => {
    const policy = { max_lifetime: '90d' };
    const issues = issuesOf({
      policy,
      keys: [
        key('Ok', { expires: '90d' }),
        key('Long', { expires: '91d' }),
        key('OkDate', { expires: '2026-03-01' }),
        key('FarDate', { expires: '2026-06-01' }),
        key('Never', { expires: 'never' }),
        key('Missing'),
      ],
    });
    expect(issues).toEqual([
      { file: 'keys.yaml', path: '/keys/1/expires', message: 'expires 91d is longer than policy.max_lifetime (90d)' },
      { file: 'keys.yaml', path: '/keys/3/expires', message: expect.stringContaining('2026-06-01 is further away than policy.max_lifetime (90d)') },
      { file: 'keys.yaml', path: '/keys/4/expires', message: expect.stringContaining('never expires') },
      { file: 'keys.yaml', path: '/keys/5/name', message: expect.stringContaining('has no `expires:`') },
    ]);
  });

  it('reports unreadable durations and dates once, without policy noise', () => {
    expect(issuesOf({ policy: { max_lifetime: '90d' }, keys: [key('A', { expires: '2027-02-30' })] })).toEqual([
      { file: 'keys.yaml', path: '/keys/0/expires', message: expect.stringContaining('not a real date') },
    ]);
    expect(issuesOf({ policy: { stale_after: '3 months' } })).toEqual([
      { file: 'keys.yaml', path: '/policy/stale_after', message: expect.stringContaining('cannot read "3 months" as a duration') },
    ]);
  });

  it('requires a rotation to say when', () => {
    expect(issuesOf({ keys: [key('A', { rotation: { overlap: '1h' } })] })).toEqual([
      { file: 'keys.yaml', path: '/keys/0/rotation', message: expect.stringContaining('needs `every` or `before_expiry`') },
    ]);
  });

  it('rejects two keys delivering the same variable of one file, or one file in two formats', () => {
    const file = (extra: Record<string, unknown>) => ({ deliver: [{ type: 'file', path: 'out.env', var: 'K', ...extra }] });
    expect(issuesOf({ keys: [key('A', file({})), key('B', file({})), key('C', file({ var: 'C', format: 'json' }))] })).toEqual([
      { file: 'keys.yaml', path: '/keys/1/deliver/0/var', message: expect.stringContaining('same file as key `A`') },
      { file: 'keys.yaml', path: '/keys/2/deliver/0', message: expect.stringContaining('also delivered as dotenv') },
    ]);
  });

  it('skips malformed nodes (the schema reports them) instead of throwing', () => {
    const result = normalizeConfig(input({ providers: 'x', policy: [], keys: [null, 3, { roles: 'x' }, key('A', { deliver: 'x', rotation: 5 })] }));
    expect(result.ok).toBe(true);
  });

  it('gives a key its provider fields (the field named after its provider type), and refuses them for another type', () => {
    const providers = { cloud: { type: 'keystone' }, prod: { type: 'http', url: 'https://k.example.com', token_env: 'T' } };
    const state = stateOf({ providers, keys: [key('A', { provider: 'cloud', keystone: { unrestricted: true } })] });
    expect(state.keys[0]?.providerFields).toEqual({ type: 'keystone', values: { unrestricted: true } });
    expect(issuesOf({ providers, keys: [key('B', { provider: 'prod', keystone: { unrestricted: true } })] }).map((i) => i.message)).toEqual([
      'key `B` has a `keystone:` field, but its provider `prod` is of type http, not keystone',
    ]);
  });
});
