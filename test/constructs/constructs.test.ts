import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ApiKey, KeyPlan, KeyPlanConstructError, KeyPlanSynthError, Provider, Team } from '../../src/constructs/index.js';
import { loadConfig } from '../../src/io/load-config.js';
import type { DesiredState } from '../../src/core/model.js';
import { thrown, useProjectDir } from './helpers.js';

const projectDir = useProjectDir();
const THIS_FILE = fileURLToPath(import.meta.url);
const NOW = Date.parse('2026-06-01T00:00:00Z');

/** The example: a provider, a team with defaults, and keys made in a loop. */
function examplePlan(dir: string): KeyPlan {
  const plan = new KeyPlan(undefined, 'keys', { projectDir: dir, policy: { staleAfter: '90d', requireExpiryFor: ['ADMIN'] } });
  const prod = new Provider(plan, 'prod', { type: 'local', path: '.keyplan/keys.db' });
  const billing = new Team(plan, 'team-billing', { provider: prod, consumers: ['billing-dashboard'] });
  new ApiKey(billing, 'Billing_Reader', {
    roles: ['READONLY'],
    expires: '90d',
    rotation: { every: '90d', overlap: '24h' },
    deliver: [{ type: 'file', path: '.keyplan/secrets.env', var: 'BILLING_API_KEY' }],
  });
  for (const env of ['staging', 'prod']) new ApiKey(billing, `Invoice_Sync_${env}`, { roles: ['READONLY'], expires: '1y' });
  return plan;
}

const HAND_WRITTEN = `version: 1
providers:
  prod: { type: local, path: .keyplan/keys.db }
policy:
  stale_after: 90d
  require_expiry_for: [ADMIN]
keys:
  - name: Billing_Reader
    roles: [READONLY]
    expires: 90d
    owner: team-billing
    consumers: [billing-dashboard]
    provider: prod
    rotation: { every: 90d, overlap: 24h }
    deliver:
      - { type: file, path: .keyplan/secrets.env, var: BILLING_API_KEY }
  - { name: Invoice_Sync_staging, roles: [READONLY], expires: 1y, owner: team-billing, consumers: [billing-dashboard], provider: prod }
  - { name: Invoice_Sync_prod, roles: [READONLY], expires: 1y, owner: team-billing, consumers: [billing-dashboard], provider: prod }
`;

/** Where this file's text `code` starts: the line and column a stack frame gives for a `new` there. */
function lineOf(code: string): { file: string; line: number; column: number } {
  const lines = readFileSync(THIS_FILE, 'utf8').split('\n');
  const line = lines.findIndex((text) => text.includes(code));
  if (line === -1) throw new Error(`no line holds ${code}`);
  return { file: THIS_FILE, line: line + 1, column: (lines[line] ?? '').indexOf(code) + 1 };
}

/** The declaration a synthesized `# construct: path (file:line:column)` comment records, its file made absolute. */
function declaredAt(text: string, path: string, outdir: string): { file: string; line: number; column: number } | undefined {
  const escaped = path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`# construct: ${escaped} \\((.+):(\\d+):(\\d+)\\)\n`).exec(text);
  return match?.[1] ? { file: resolve(outdir, match[1]), line: Number(match[2]), column: Number(match[3]) } : undefined;
}

/** The state without where it was written (files, positions): what the plan is made from. */
function meaning(state: DesiredState): unknown {
  const strip = ({ source: _source, ...rest }: { source: unknown }) => rest;
  const stripKey = ({ source: _source, fields: _fields, ...rest }: { source: unknown; fields?: unknown }) => rest;
  return { providers: Object.values(state.providers).map(strip), policy: state.policy, keys: state.keys.map(stripKey) };
}

describe('KeyPlan.synth', () => {
  it('writes keys.yaml to $KEYPLAN_OUTDIR with the schema header, block style and a construct comment per key', () => {
    const dir = projectDir();
    const outdir = join(dir, 'out');
    process.env.KEYPLAN_OUTDIR = outdir;
    try {
      expect(examplePlan(dir).synth()).toBe(join(outdir, 'keys.yaml'));
    } finally {
      delete process.env.KEYPLAN_OUTDIR;
    }
    const text = readFileSync(join(outdir, 'keys.yaml'), 'utf8');
    const schemaPath = text.match(/^# yaml-language-server: \$schema=(.+)$/m)?.[1];
    expect(schemaPath && existsSync(join(outdir, schemaPath))).toBe(true);
    // Each comment names the construct and the program line that declared it, relative to the output directory.
    expect(declaredAt(text, 'team-billing/Billing_Reader', outdir)).toEqual(lineOf("new ApiKey(billing, 'Billing_Reader'"));
    expect(declaredAt(text, 'team-billing/Invoice_Sync_prod', outdir)).toEqual(lineOf('new ApiKey(billing, `Invoice_Sync_${env}`'));
    expect(declaredAt(text, 'prod', outdir)).toEqual(lineOf("new Provider(plan, 'prod'"));
    expect(text).toMatch(/\n {2}# construct: team-billing\/Invoice_Sync_prod \(\S+\)\n {2}- name: Invoice_Sync_prod\n/);
    expect(text).not.toMatch(/[{}[\]&*]/); // no flow collections, anchors or aliases
  });

  it('defaults to keyplan.out/ in the project directory', () => {
    const dir = projectDir();
    expect(examplePlan(dir).synth()).toBe(join(dir, 'keyplan.out', 'keys.yaml'));
  });

  it('round-trips to the same DesiredState as the equivalent hand-written keys.yaml', async () => {
    const dir = projectDir();
    const synthesized = examplePlan(dir).synth();
    writeFileSync(join(dir, 'keys.yaml'), HAND_WRITTEN);
    const fromCode = await loadConfig(synthesized, { now: NOW });
    const byHand = await loadConfig(join(dir, 'keys.yaml'), { now: NOW });
    expect(meaning(fromCode)).toEqual(meaning(byHand));
    expect(fromCode.keys.map((k) => k.name)).toEqual(['Billing_Reader', 'Invoice_Sync_staging', 'Invoice_Sync_prod']);
  });

  it('keeps relative paths relative to the project directory, so wiping the output directory forks nothing', async () => {
    const dir = projectDir();
    const plan = new KeyPlan(undefined, 'keys', { projectDir: dir });
    new ApiKey(plan, 'A', { roles: ['READONLY'], deliver: [{ type: 'file', path: 'secrets/a.env', var: 'A' }] });
    const file = plan.synth();
    const written = parse(readFileSync(file, 'utf8')) as { providers: Record<string, { path: string }>; keys: { deliver: { path: string }[] }[] };
    // No Provider: the embedded default is spelled out, rebased onto the output directory.
    expect(written.providers).toEqual({ default: { type: 'local', path: '../.keyplan/keys.db' } });
    expect(written.keys[0]?.deliver[0]?.path).toBe('../secrets/a.env');
    const state = await loadConfig(file, { now: NOW });
    expect(state.providers.default).toMatchObject({ type: 'local', settings: { path: join(dir, '.keyplan', 'keys.db') } });
    expect(state.keys[0]?.deliver[0]).toMatchObject({ path: join(dir, 'secrets', 'a.env') });
    rmSync(join(dir, 'keyplan.out'), { recursive: true });
    expect(plan.synth()).toBe(file);
  });

  it('writes the KeyPlan ownership as keys.yaml ownership:, which the plan then touches alone', async () => {
    const dir = projectDir();
    const plan = new KeyPlan(undefined, 'keys', { projectDir: dir, ownership: 'acme/billing' });
    new ApiKey(plan, 'A', { roles: ['READONLY'], takeOver: 'acme/old' });
    const state = await loadConfig(plan.synth(), { now: NOW });
    expect(state.ownership).toBe('acme/billing');
    expect(state.keys[0]?.takeOver).toBe('acme/old');
    expect(() => new KeyPlan(undefined, 'bad', { projectDir: dir, ownership: ' spaced' })).toThrow(/ownership/);
  });

  it('keeps absolute paths as they are', () => {
    const dir = projectDir();
    const plan = new KeyPlan(undefined, 'keys', { projectDir: dir });
    new Provider(plan, 'store', { type: 'local', path: '/var/lib/keyplan/keys.db' });
    new ApiKey(plan, 'A', { roles: ['READONLY'] });
    expect(plan.toYaml()).toContain('    path: /var/lib/keyplan/keys.db\n');
  });

  it('reports every whole-tree problem together, each with its construct path', () => {
    const plan = new KeyPlan(undefined, 'keys', { projectDir: projectDir(), policy: { requireExpiryFor: ['ADMIN'] } });
    new Provider(plan, 'a', { type: 'local', path: 'a.db' });
    new Provider(plan, 'b', { type: 'local', path: 'b.db' });
    const team = new Team(plan, 'team-a', { provider: 'a' });
    new ApiKey(team, 'K1', { roles: ['READONLY'] });
    new ApiKey(team, 'K1-again', { name: 'K1', roles: ['READONLY'] });
    new ApiKey(team, 'K2', { roles: ['ADMIN'], provider: 'missing' });
    new ApiKey(plan, 'K3', { roles: ['READONLY'] }); // two providers and none named
    const error = thrown(() => plan.synth());
    expect(error).toBeInstanceOf(KeyPlanSynthError);
    const problems = [...(error as KeyPlanSynthError).problems].sort();
    expect(problems).toHaveLength(4);
    // Each names the construct and, relative to the working directory, the line that declared it.
    const at = (code: string) => `test/constructs/constructs.test.ts:${lineOf(code).line}:${lineOf(code).column}`;
    expect(problems[0]).toMatch(new RegExp(`^K3 \\(${at("new ApiKey(plan, 'K3'")}\\): .*provider`));
    expect(problems[1]).toBe(
      `team-a/K1-again (${at("new ApiKey(team, 'K1-again'")}): duplicate key \`K1\` in provider \`a\`: first declared at team-a/K1 (${at("new ApiKey(team, 'K1',")})`,
    );
    expect(problems.filter((p) => p.startsWith(`team-a/K2 (${at("new ApiKey(team, 'K2'")}): `))).toEqual([
      expect.stringContaining('ADMIN'),
      expect.stringContaining('`missing`'),
    ].sort((a, b) => (String(a) < String(b) ? -1 : 1)));
    expect(existsSync(join(plan.projectDir, 'keyplan.out'))).toBe(false);
  });

  it('runs its rules through node.validate(), as cdktf and other constructs tools do', () => {
    const plan = new KeyPlan(undefined, 'keys', { projectDir: projectDir() });
    new ApiKey(plan, 'A', { roles: ['READONLY'] });
    new ApiKey(plan, 'B', { name: 'A', roles: ['READONLY'] });
    expect(plan.node.validate()).toEqual([expect.stringMatching(/^B \(\S+constructs\.test\.ts:\d+:\d+\): duplicate key `A`/)]);
  });
});

describe('construction-time checks', () => {
  const plan = () => new KeyPlan(undefined, 'keys', { projectDir: '/tmp' });

  it('throws at the user line for a wrong shape', () => {
    const error = thrown(() => new ApiKey(plan(), 'A', { roles: ['READONLY'], expires: '90days' as never }));
    expect(error).toBeInstanceOf(KeyPlanConstructError);
    expect(error.message).toMatch(/^ApiKey keys\/A: expires: must be a duration/);
    // The first frame is this file's `new ApiKey(…)`, not keyplan's code.
    expect(error.stack?.split('\n')[1]).toContain('constructs.test.ts');
  });

  it('names nested props in camelCase', () => {
    const error = thrown(() => new ApiKey(plan(), 'A', { roles: ['READONLY'], rotation: { beforeExpiry: 'soon' as never } }));
    expect(error.message).toMatch(/rotation\.beforeExpiry: must be a duration/);
  });

  it('refuses unknown props, such as keys.yaml spellings', () => {
    const error = thrown(() => new ApiKey(plan(), 'A', { roles: ['READONLY'], prevent_revoke: true } as never));
    expect(error.message).toContain('prevent_revoke is not a prop keyplan knows');
  });

  it('refuses empty roles, bad names and bad providers', () => {
    expect(thrown(() => new ApiKey(plan(), 'A', { roles: [] })).message).toContain('roles');
    expect(thrown(() => new ApiKey(plan(), 'A', { name: 'has space', roles: ['READONLY'] })).message).toContain('must be a key name');
    expect(thrown(() => new Provider(plan(), 'p', { type: 'http', url: 'ftp://x', tokenEnv: 'T' })).message).toContain('URL');
    expect(thrown(() => new KeyPlan(undefined, 'k', { policy: { maxChangeFraction: 2 } })).message).toContain('maxChangeFraction');
  });

  it.each([
    ['${Token[TOKEN.12]}'],
    ['${TfToken[TOKEN.3]}'],
  ])('refuses unresolved tokens (%s): they have no value at synth', (token) => {
    const error = thrown(() => new ApiKey(plan(), 'A', { roles: ['READONLY'], description: `key for ${token}` }));
    expect(error.message).toContain('description holds an unresolved token');
    expect(error.message).toContain('cannot be resolved at synth');
  });

  it('refuses a key outside any KeyPlan, and a Provider not directly in one', () => {
    const p = plan();
    const team = new Team(p, 't');
    expect(thrown(() => new Provider(team, 'x', { type: 'local', path: 'x.db' })).message).toContain('directly in a KeyPlan');
    const root = new Construct(undefined as never, 'app');
    expect(thrown(() => new ApiKey(new Team(root, 'orphans'), 'A', { roles: ['READONLY'] })).message).toContain('belongs in a KeyPlan');
  });
});

describe('Team defaults', () => {
  it('gives its keys owner (its id), provider, consumers and rotation; a key overrides them', () => {
    const p = new KeyPlan(undefined, 'keys', { projectDir: '/tmp' });
    const team = new Team(p, 'team-x', { consumers: ['svc'], rotation: { every: '30d' } });
    const plain = new ApiKey(team, 'A', { roles: ['READONLY'] });
    const own = new ApiKey(team, 'B', { roles: ['READONLY'], owner: 'alice', consumers: [], rotation: { every: '7d' } });
    expect(plain.fields).toMatchObject({ name: 'A', owner: 'team-x', consumers: ['svc'], rotation: { every: '30d' } });
    expect(own.fields).toMatchObject({ name: 'B', owner: 'alice', consumers: [], rotation: { every: '7d' } });
  });
});

describe('brand checks', () => {
  it('recognise constructs by Symbol.for brands, so a second copy of keyplan is recognised too', () => {
    const p = new KeyPlan(undefined, 'keys', { projectDir: '/tmp' });
    expect(KeyPlan.isKeyPlan(p)).toBe(true);
    expect(KeyPlan.isKeyPlan({ [Symbol.for('keyplan/KeyPlan')]: true })).toBe(true);
    expect(KeyPlan.isKeyPlan({})).toBe(false);
    expect(ApiKey.isApiKey(new ApiKey(p, 'A', { roles: ['READONLY'] }))).toBe(true);
    expect(Team.isTeam(p)).toBe(false);
    expect(Provider.isProvider(new Provider(p, 'x', { type: 'local', path: 'x.db' }))).toBe(true);
  });
});
