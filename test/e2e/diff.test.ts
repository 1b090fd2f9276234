/** `keyplan diff --base REF`: declared changes from git objects, offline, for every change kind. */
import { existsSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { expectExit } from './helpers/apply-world.js';
import { initRepo, useWorkspace, type E2eWorkspace, type KeysYaml } from './helpers/index.js';
import { renderGfm, visibleText } from '../render/gfm.js';

const BASE: KeysYaml = {
  ownership: 'acme/billing',
  keys: [
    { name: 'Billing_Reader', description: 'Reads invoices', roles: ['READONLY'], expires: '90d', owner: 'team-billing', consumers: ['billing-dashboard'] },
    { name: 'Ops_Bot', description: 'ops automation', roles: ['READONLY'], expires: '30d' },
    { name: 'billing_ro', description: 'old name', roles: ['READONLY'], expires: '30d' },
    { name: 'Export_Job', roles: ['READONLY'], expires: '30d', consumers: ['nightly-export'], prevent_revoke: true },
    { name: 'Idle_Key', roles: ['READONLY'], expires: '30d' },
  ],
};

interface DiffJson {
  summary: Record<string, number>;
  base: { status: string; commit: string };
  head: { status: string; issues: { file: string; line: number; message: string }[] };
  sensitive: { section: string; subject: string; before: string; after: string; message: string }[];
  changes: { kind: string; name: string; from?: string; fields: { field: string; before: string; after: string }[]; roles?: { permissionsAdded: string[]; escalation: boolean }; notes: { level: string; message: string }[] }[];
}

async function repoWith(ws: E2eWorkspace, base: KeysYaml = BASE): Promise<string> {
  await ws.writeKeysYaml(base);
  return initRepo(ws);
}

async function diffJson(ws: E2eWorkspace, ref: string, extra: string[] = [], code = 2): Promise<DiffJson> {
  const result = await expectExit(ws.run(['diff', '--base', ref, '--format', 'json', ...extra]), code);
  return JSON.parse(result.stdout) as DiffJson;
}

const keys = BASE.keys ?? [];
const key = (name: string) => keys.find((k) => k.name === name) ?? { name, roles: [] };

describe('keyplan diff --base REF', () => {
  const workspace = useWorkspace('keyplan-e2e-diff-');

  it('exits 0 with "No declared changes" when the working tree declares what the base does', async () => {
    const ws = workspace();
    await repoWith(ws);
    const result = await expectExit(ws.run(['diff', '--base', 'main']), 0);
    expect(result.stdout).toMatch(/^keyplan diff of keys\.yaml against main \([0-9a-f]{12}\): declared changes only; no key service was asked\.$/m);
    expect(result.stdout).toContain('No declared changes.');
  });

  it('shows creates, edits with the permission delta, expiry changes, renames and removals with their guards, and exits 2', async () => {
    const ws = workspace();
    await repoWith(ws);
    await ws.writeKeysYaml({
      ownership: 'acme/billing',
      keys: [
        { ...key('Billing_Reader'), description: 'Reads invoices and credit notes' },
        { ...key('Ops_Bot'), roles: ['ADMIN'], expires: '7d' },
        { name: 'Billing_Viewer', description: 'old name', roles: ['READONLY'], expires: '30d', renamed_from: ['billing_ro'] },
        { name: 'Search_Indexer', roles: ['READONLY'], expires: '14d', owner: 'team-search' },
        { name: 'Root_Key', roles: ['ADMIN'], expires: '1d' },
      ],
    });
    const diff = await diffJson(ws, 'main');
    expect(diff.summary).toEqual({ create: 2, edit: 2, rename: 1, remove: 2, sensitive: 0 });
    const byName = new Map(diff.changes.map((c) => [c.name, c]));
    expect(byName.get('Billing_Reader')?.fields).toEqual([{ field: 'description', before: 'Reads invoices', after: 'Reads invoices and credit notes' }]);
    const ops = byName.get('Ops_Bot');
    expect(ops?.fields).toEqual([{ field: 'roles', before: 'READONLY', after: 'ADMIN' }, { field: 'expires', before: '30d', after: '7d' }]);
    expect(ops?.roles).toMatchObject({ permissionsAdded: ['*'], escalation: true });
    expect(ops?.notes).toContainEqual({ level: 'warning', message: 'privilege escalation: gains *' });
    expect(byName.get('Billing_Viewer')).toMatchObject({ kind: 'rename', from: 'billing_ro', fields: [] });
    expect(byName.get('Search_Indexer')).toMatchObject({ kind: 'create', fields: [{ field: 'roles', before: '', after: 'READONLY' }, { field: 'expires', before: '', after: '14d' }, { field: 'owner', before: '', after: 'team-search' }] });
    expect(byName.get('Root_Key')?.notes[0]?.message).toBe('grants privileged roles: ADMIN (permissions *)');
    const exportJob = byName.get('Export_Job');
    expect(exportJob?.kind).toBe('remove');
    expect(exportJob?.notes.map((n) => n.message)).toEqual([
      'prevent_revoke is set: apply refuses to revoke this key',
      'has consumers: nightly-export; apply refuses to revoke it unless allowed (--allow-in-use, or the keyplan:allow-in-use label on merge)',
    ]);
    expect(byName.get('Idle_Key')?.kind).toBe('remove');

    const text = await expectExit(ws.run(['diff', '--base', 'main']), 2);
    expect(text.stdout).toContain('~ edit Ops_Bot  [default] (keys.yaml:');
    expect(text.stdout).toContain('    roles: READONLY → ADMIN\n    expires: 30d → 7d\n    permissions: adds *; removes keys:read, roles:read\n    ! privilege escalation: gains *');
    expect(text.stdout).toContain('→ rename billing_ro → Billing_Viewer');
    expect(text.stdout).toMatch(/^- remove Export_Job {2}\[default\] \(keys\.yaml:\d+ at main\)$/m);
    expect(text.stdout).toContain('Declared: 2 to create, 2 to edit, 1 to rename, 2 to remove; 0 sensitive changes.');
  });

  it('shows when a removed key was last used, from a saved audit, and the permissions of roles from a roles file', async () => {
    const ws = workspace();
    await repoWith(ws);
    await ws.writeFile('audit.json', JSON.stringify({ keys: [
      { provider: 'default', name: 'Idle_Key', last_used_at: null },
      { provider: 'default', name: 'Export_Job', last_used_at: '2026-11-30T08:00:00.000Z' },
    ] }));
    await ws.writeFile('roles.yaml', 'roles:\n  READONLY:\n    description: read\n    permissions: [keys:read]\n  OPERATOR:\n    description: operate\n    permissions: [keys:read, keys:create, keys:update]\n');
    await ws.writeKeysYaml({ ownership: 'acme/billing', keys: [key('Billing_Reader'), { ...key('Ops_Bot'), roles: ['OPERATOR'] }, { ...key('billing_ro'), roles: ['MYSTERY'] }] });
    const diff = await diffJson(ws, 'main', ['--audit', 'audit.json', '--roles', 'roles.yaml']);
    const byName = new Map(diff.changes.map((c) => [c.name, c]));
    expect(byName.get('Idle_Key')?.notes).toContainEqual({ level: 'info', message: 'never used (saved audit)' });
    expect(byName.get('Export_Job')?.notes).toContainEqual({ level: 'warning', message: 'last used 2026-11-30T08:00:00.000Z (saved audit)' });
    expect(byName.get('Ops_Bot')?.roles).toMatchObject({ permissionsAdded: ['keys:create', 'keys:update'], escalation: true });
    // A role the roles file does not know: what it grants cannot be told offline, so it counts as an escalation.
    expect(byName.get('billing_ro')?.roles).toMatchObject({ permissionsAdded: [], escalation: true });
    expect(byName.get('billing_ro')?.notes.map((n) => n.message)).toContain("permissions of MYSTERY are not known offline (pass --roles FILE, the key service's roles file)");
  });

  it('calls out ownership, take_over and policy changes as sensitive', async () => {
    const ws = workspace();
    await repoWith(ws);
    await ws.writeKeysYaml({ ownership: 'acme/other', policy: { prune: true, max_change_fraction: 1 }, keys: [...keys.slice(0, 4), { ...key('Idle_Key'), take_over: 'acme/billing' }] });
    const diff = await diffJson(ws, 'main');
    expect(diff.sensitive.map((s) => [s.subject, s.before, s.after])).toEqual([
      ['policy.prune', 'false', 'true'],
      ['policy.max_change_fraction', '0.3', '1'],
      ['ownership', 'acme/billing', 'acme/other'],
    ]);
    expect(diff.changes).toEqual([expect.objectContaining({ kind: 'edit', name: 'Idle_Key', fields: [{ field: 'take_over', before: '', after: 'acme/billing' }] })]);
    expect(diff.changes[0]?.notes).toContainEqual({ level: 'warning', message: 'take_over: adopts the key from ownership acme/billing' });
  });

  it('reads the base revision of included files from git, not from the working tree', async () => {
    const ws = workspace();
    await ws.writeKeysYaml({ include: ['teams/*.yaml'], keys: [] });
    await ws.writeFile('teams/billing.yaml', 'keys:\n  - name: Team_Key\n    roles: [READONLY]\n    expires: 30d\n');
    await initRepo(ws);
    await ws.writeFile('teams/billing.yaml', 'keys:\n  - name: Team_Key\n    roles: [READONLY]\n    expires: 60d\n');
    await ws.writeFile('teams/search.yaml', 'keys:\n  - name: Search_Key\n    roles: [READONLY]\n    expires: 30d\n');
    const diff = await diffJson(ws, 'main');
    expect(diff.changes.map((c) => [c.kind, c.name])).toEqual([['edit', 'Team_Key'], ['create', 'Search_Key']]);
    expect(diff.changes[0]?.fields).toEqual([{ field: 'expires', before: '30d', after: '60d' }]);
  });

  it('never follows an include or a link outside the repository, on either side', async () => {
    const ws = workspace();
    await ws.writeFile('outside/teams/extra.yaml', 'keys:\n  - name: Outside_Key\n    roles: [ADMIN]\n    expires: never\n');
    await ws.writeFile('repo/keys.yaml', 'version: 1\ninclude: [teams/*.yaml]\nkeys: []\n');
    await ws.writeFile('repo/teams/own.yaml', 'keys:\n  - name: Own_Key\n    roles: [READONLY]\n    expires: 30d\n');
    const repo = Object.create(ws, { dir: { value: ws.path('repo') } }) as E2eWorkspace;
    await initRepo(repo);
    await symlink(ws.path('outside/teams/extra.yaml'), ws.path('repo/teams/linked.yaml'));
    const result = await expectExit(ws.run(['diff', '--base', 'main', '-c', 'repo/keys.yaml']), 1);
    expect(result.stdout).toMatch(/repo\/keys\.yaml:2:\d+: include "teams\/\*\.yaml" reaches outside the repository \(teams\/linked\.yaml\)/);
    expect(result.stdout).not.toContain('Outside_Key');
    expect(result.stderr).not.toMatch(/\n\s+at /);

    await ws.writeFile('repo/keys.yaml', 'version: 1\ninclude: [../outside/teams/*.yaml]\nkeys: []\n');
    const up = await expectExit(ws.run(['diff', '--base', 'main', '-c', 'repo/keys.yaml']), 1);
    expect(up.stdout).toMatch(/include "\.\.\/outside\/teams\/\*\.yaml" reaches outside the repository/);
  });

  it('validates both sides: an invalid change is exit 1 with file:line:column; an invalid or missing base is said and compared as empty', async () => {
    const ws = workspace();
    await ws.writeFile('keys.yaml', 'version: 1\nkeys:\n  - name: Broken\n    roles: [READONLY]\n    expires: soon\n');
    await ws.writeFile('README.md', 'no keys here yet\n');
    await initRepo(ws);
    await ws.writeKeysYaml({ keys: [{ name: 'Fixed', roles: ['READONLY'], expires: '30d' }] });
    const fixed = await diffJson(ws, 'main');
    expect(fixed.base.status).toBe('invalid');
    expect(fixed.changes.map((c) => [c.kind, c.name])).toEqual([['create', 'Fixed']]);
    const text = await expectExit(ws.run(['diff', '--base', 'main']), 2);
    expect(text.stdout).toContain('keys.yaml does not validate at main (1 problem): its keys are compared as if none were declared.');
    expect(text.stdout).toMatch(/^ {2}keys\.yaml:5:\d+: /m);

    await ws.writeFile('keys.yaml', 'version: 1\nkeys:\n  - name: Fixed\n    roles: [READONLY]\n    expires: 30 days\n');
    const broken = await expectExit(ws.run(['diff', '--base', 'main']), 1);
    expect(broken.stdout).toMatch(/^The changed configuration does not validate \(1\):\n {2}keys\.yaml:5:14: /m);
    expect(broken.stderr).toBe('');

    await ws.writeKeysYaml({ keys: [{ name: 'New', roles: ['READONLY'], expires: '30d' }], ownership: 'acme/new' }, 'other/keys.yaml');
    const fresh = await diffJson(ws, 'main', ['-c', 'other/keys.yaml']);
    expect(fresh.base.status).toBe('absent');
    expect(fresh.sensitive.map((s) => s.subject)).toEqual(['providers.default', 'ownership']);
  });

  it('says what is wrong with the command line in one line, exit 1', async () => {
    const ws = workspace();
    await repoWith(ws);
    const noBase = await expectExit(ws.run(['diff']), 1);
    expect(noBase.stderr).toBe("Error: keyplan diff needs --base <git-ref> (or, to post another run's report, --from FILE with --comment)\n");
    const badRef = await expectExit(ws.run(['diff', '--base', 'no-such-branch']), 1);
    expect(badRef.stderr).toBe('Error: --base no-such-branch: no such git revision in this repository (fetch it first, e.g. git fetch origin no-such-branch)\n');
    const option = await expectExit(ws.run(['diff', '--base', '--upload-pack=touch pwned']), 1);
    expect(option.stderr).toContain('--base must name a git revision');
    expect(existsSync(ws.path('pwned'))).toBe(false);
  });

  it('markdown: escaped values, sensitive changes in a warning, fit for a step summary or a comment', async () => {
    const ws = workspace();
    await repoWith(ws);
    await ws.writeKeysYaml({ ownership: 'acme/billing', providers: { default: { type: 'local', path: '.keyplan/other.db' } }, keys: [{ ...key('Billing_Reader'), description: 'see [this](https://evil.example) @acme/admins <img src=x>' }, ...keys.slice(1)] });
    const result = await expectExit(ws.run(['diff', '--base', 'main', '--format', 'markdown']), 2);
    const html = renderGfm(result.stdout);
    expect(html).not.toContain('<a href');
    expect(html).not.toContain('<img');
    const seen = visibleText(html);
    expect(seen).toContain('keyplan diff for keys.yaml');
    expect(seen).toContain('Sensitive changes: where tokens go and what may be revoked.');
    expect(seen).toContain('provider default: the local key store file changes: providers.default.path .keyplan/keys.db → .keyplan/other.db');
    expect(seen).toContain('edit Billing_Reader (default)');
  });
});
