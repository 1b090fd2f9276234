/**
 * `type: gitlab` end to end: the real CLI against the stateful GitLab stand-in, which checks every request and
 * answer against the description transcribed from GitLab's REST documentation; delivered values are used as a
 * consumer would (which records `last_used_at`), and every output is scanned for every value the stand-in handed out.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectExit, readSecretsFile, sweepFiles } from './helpers/apply-world.js';
import { readmeBlock } from './helpers/readme.js';
import { GitLabStandIn, useStandIn, useWorkspace, type E2eWorkspace, type GitLabStandInToken, type KeysYamlKey } from './helpers/index.js';

const SECRETS = 'secrets.json';
type Target = { user: string } | { project: string } | { group: string | number };

function gitlabYaml(ws: E2eWorkspace, gl: GitLabStandIn, target: Target, keys: KeysYamlKey[], extra: Record<string, unknown> = {}): Promise<string> {
  return ws.writeKeysYaml({ ownership: 'acme/platform', providers: { gl: { type: 'gitlab', url: gl.origin, ...target, ...extra } }, keys });
}

function keyplan(ws: E2eWorkspace, gl: GitLabStandIn, args: string[], token = gl.admin.value) {
  return ws.run(args, { env: { GITLAB_TOKEN: token } });
}

/** The live tokens of that name (a rotation's old and new token share it until the old one is revoked). */
function live(gl: GitLabStandIn, name: string): GitLabStandInToken[] {
  return [...gl.tokens.values()].filter((t) => t.name === name && !t.revoked);
}

function only(gl: GitLabStandIn, name: string): GitLabStandInToken {
  const tokens = live(gl, name);
  expect(tokens.map((t) => t.id), `one live GitLab token ${name}`).toHaveLength(1);
  return tokens[0] as GitLabStandInToken;
}

async function secretOf(ws: E2eWorkspace, name: string): Promise<string> {
  const secrets = await readSecretsFile(ws, SECRETS);
  const found = [...secrets.entries()].find(([variable]) => variable.toLowerCase().replace(/_/g, '-') === name.toLowerCase());
  expect(found, `a secret for ${name} in ${SECRETS}`).toBeDefined();
  return (found as [string, string])[1];
}

const rotates = (gl: GitLabStandIn) => gl.requests.filter((line) => line.includes('/rotate'));

describe('type: gitlab against the description-checked stand-in', () => {
  const workspace = useWorkspace();
  const gitlab = useStandIn(() => GitLabStandIn.start());

  it('creates project tokens with their scopes and gitlab.access_level, then plans no changes', async () => {
    const ws = workspace();
    const gl = gitlab();
    ws.watchSecretsOf(gl);
    await gitlabYaml(ws, gl, { project: 'acme/app' }, [
      { name: 'ci-deploy', description: 'Deploys the app', roles: ['api', 'write_repository'], expires: '30d', owner: 'team-platform', consumers: ['ci'], gitlab: { access_level: 'developer' } },
      { name: 'reader', roles: ['read_api'] },
    ]);
    const plan = await expectExit(keyplan(ws, gl, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toContain('+ create ci-deploy');
    expect(plan.stdout).toContain('2 to create');
    await expectExit(keyplan(ws, gl, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);

    const deploy = only(gl, 'ci-deploy');
    expect(deploy).toMatchObject({ kind: 'project', resource: 10, scopes: ['api', 'write_repository'], access_level: 30 });
    expect(deploy.description).toMatch(/^Deploys the app \[keyplan: c=ci; i=[0-9a-f]{10}; m=keyplan; o=acme%2Fplatform; w=team-platform; x=\d+\]$/);
    expect(Date.parse(deploy.expires_at ?? '') - Date.parse(deploy.created_at)).toBeGreaterThan(28 * 86_400_000);
    // No level written: GitLab's default (maintainer).
    expect(only(gl, 'reader').access_level).toBe(40);
    expect(gl.use(await secretOf(ws, 'ci-deploy'))).toBe(true);
    expect(gl.use(await secretOf(ws, 'reader'))).toBe(true);

    const again = await expectExit(keyplan(ws, gl, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 0);
    expect(again.stdout).not.toContain('[keyplan:');
    await sweepFiles(ws, [SECRETS]);
  });

  it("manages a user's personal access tokens (by username, with an administrator's token) and a group's tokens", async () => {
    const ws = workspace();
    const gl = gitlab();
    ws.watchSecretsOf(gl);
    await gitlabYaml(ws, gl, { user: 'alice' }, [{ name: 'alice-cli', roles: ['read_api', 'read_repository'], expires: '90d' }]);
    await expectExit(keyplan(ws, gl, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    expect(only(gl, 'alice-cli')).toMatchObject({ kind: 'user', user_id: 2, scopes: ['read_api', 'read_repository'] });
    expect(only(gl, 'alice-cli').access_level).toBeUndefined();
    expect(gl.use(await secretOf(ws, 'alice-cli'))).toBe(true);
    await expectExit(keyplan(ws, gl, ['plan', '--detailed-exitcode']), 0);

    await ws.writeFile(SECRETS, '{}');
    await gitlabYaml(ws, gl, { group: 20 }, [{ name: 'group-bot', roles: ['read_api'], gitlab: { access_level: 'reporter' } }]);
    await expectExit(keyplan(ws, gl, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    expect(only(gl, 'group-bot')).toMatchObject({ kind: 'group', resource: 20, access_level: 20 });
    await expectExit(keyplan(ws, gl, ['plan', '--detailed-exitcode']), 0);
    // The personal token is not the group's to manage: it stays.
    expect(live(gl, 'alice-cli')).toHaveLength(1);
    await sweepFiles(ws, [SECRETS]);
  });

  it('any change is a rotation, create-before-revoke: the old token works through the overlap and is revoked after it; never POST …/rotate', async () => {
    const ws = workspace();
    const gl = gitlab();
    ws.watchSecretsOf(gl);
    const key = { name: 'jobs', description: 'Runs jobs', roles: ['read_api'], expires: '30d', rotation: { every: '90d', overlap: '3s' }, gitlab: { access_level: 'developer' } };
    await gitlabYaml(ws, gl, { project: 'acme/app' }, [key]);
    await expectExit(keyplan(ws, gl, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const old = only(gl, 'jobs');
    const oldSecret = await secretOf(ws, 'jobs');

    await gitlabYaml(ws, gl, { project: 'acme/app' }, [{ ...key, roles: ['api'], gitlab: { access_level: 'maintainer' } }]);
    const plan = await expectExit(keyplan(ws, gl, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toContain('roles cannot change in place on GitLab: rotate');
    expect(plan.stdout).toContain('gitlab.access_level cannot change in place on GitLab: rotate');
    expect(plan.stdout).toContain('0 to create, 0 to update, 1 to rotate, 0 to revoke');
    expect(plan.stdout).not.toMatch(/downtime|revoked before its replacement/);
    await expectExit(keyplan(ws, gl, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);

    const tokens = live(gl, 'jobs');
    expect(tokens.map((t) => t.id)).toContain(old.id);
    const replacement = tokens.find((t) => t.id !== old.id) as GitLabStandInToken;
    expect(replacement).toMatchObject({ scopes: ['api'], access_level: 40 });
    const newSecret = await secretOf(ws, 'jobs');
    expect(newSecret).not.toBe(oldSecret);
    expect(gl.use(newSecret)).toBe(true);
    // Through the overlap the old token is kept (not used here: a use would hold it back as in use), and the plan waits.
    expect(gl.tokens.get(old.id)).toMatchObject({ revoked: false, active: true });
    const waiting = await expectExit(keyplan(ws, gl, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 0);
    expect(waiting.stdout).toMatch(/retir/i);

    // The overlap ends 3 s after the replacement's create: wait for that moment, then the next apply revokes the old one.
    const created = Date.parse(replacement.created_at);
    while (Date.now() <= created + 3_000) await new Promise((resolve) => setTimeout(resolve, created + 3_100 - Date.now()));
    const retire = await expectExit(keyplan(ws, gl, ['apply', '--auto-approve']), 0);
    expect(retire.stdout).toContain('jobs');
    expect(gl.tokens.get(old.id)?.revoked).toBe(true);
    expect(gl.use(oldSecret)).toBe(false);
    expect(live(gl, 'jobs').map((t) => t.id)).toEqual([replacement.id]);
    expect(rotates(gl)).toEqual([]);
    await expectExit(keyplan(ws, gl, ['plan', '--detailed-exitcode']), 0);
    await sweepFiles(ws, [SECRETS]);
  });

  it('plans around a token revoked out of band, revokes one no longer declared, and never touches unmanaged tokens', async () => {
    const ws = workspace();
    const gl = gitlab();
    ws.watchSecretsOf(gl);
    const stranger = gl.seed({ name: 'made-by-hand', scopes: ['read_api'], kind: 'project', resource: 10 });
    await gitlabYaml(ws, gl, { project: '10' }, [{ name: 'gone', roles: ['read_api'] }, { name: 'dropped', roles: ['read_api'] }]);
    await expectExit(keyplan(ws, gl, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const dropped = await secretOf(ws, 'dropped');
    gl.revokeToken(only(gl, 'gone').id);

    await gitlabYaml(ws, gl, { project: '10' }, [{ name: 'gone', roles: ['read_api'] }]);
    const plan = await expectExit(keyplan(ws, gl, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toContain('+ create gone');
    expect(plan.stdout).toContain('1 to create, 0 to update, 0 to rotate, 1 to revoke');
    expect(plan.stdout).not.toMatch(/revoke[^\n]*made-by-hand/);
    await expectExit(keyplan(ws, gl, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    expect(gl.use(dropped)).toBe(false);
    expect(gl.use(await secretOf(ws, 'gone'))).toBe(true);
    expect(gl.use(stranger.value)).toBe(true);
    expect(rotates(gl)).toEqual([]);
    await sweepFiles(ws, [SECRETS]);
  });

  it('audits with last use from last_used_at, imports tokens made by hand, and lists scopes and access levels as roles', async () => {
    const ws = workspace();
    const gl = gitlab();
    ws.watchSecretsOf(gl);
    gl.seed({ name: 'legacy-ci', scopes: ['read_repository', 'read_registry'], kind: 'project', resource: 10, accessLevel: 20 });
    await gitlabYaml(ws, gl, { project: 'acme/app' }, [{ name: 'used', roles: ['read_api'] }, { name: 'idle', roles: ['read_api'] }]);
    await expectExit(keyplan(ws, gl, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    expect(gl.use(await secretOf(ws, 'used'))).toBe(true);

    const audit = await keyplan(ws, gl, ['audit', '--format', 'json']);
    const report = JSON.parse(audit.stdout) as { keys: { name: string; last_used_at: string | null; findings: { kind: string }[] }[] };
    const byName = new Map(report.keys.map((key) => [key.name, key]));
    expect(byName.get('legacy-ci')?.findings.map((f) => f.kind)).toContain('unmanaged');
    expect(Date.parse(byName.get('used')?.last_used_at ?? '')).toBe(Date.parse(only(gl, 'used').last_used_at ?? 'missing'));
    expect(byName.get('idle')?.last_used_at).toBeNull();

    const imported = await expectExit(keyplan(ws, gl, ['import']), 0);
    expect(imported.stdout).toContain('legacy-ci');
    expect(imported.stdout).toMatch(/read_registry/);
    expect(imported.stdout).toMatch(/reporter/);
    const roles = await expectExit(keyplan(ws, gl, ['roles']), 0);
    for (const role of ['read_api', 'write_repository', 'developer', 'maintainer']) expect(roles.stdout).toContain(role);
    await sweepFiles(ws, [SECRETS]);
  });

  it("the README's keys.yaml example works as written (pointed at the stand-in): creates, delivers, then plans no changes", async () => {
    const ws = workspace();
    const gl = gitlab();
    ws.watchSecretsOf(gl);
    const example = parse(await readmeBlock('# keys.yaml (GitLab)')) as { providers: { gl: Record<string, unknown> } };
    Object.assign(example.providers.gl, { url: gl.origin, project: 'acme/app' });
    await ws.writeFile('keys.yaml', JSON.stringify(example));
    const plan = await expectExit(keyplan(ws, gl, ['plan', '--detailed-exitcode']), 2);
    expect(plan.stdout).toContain('Plan: 2 to create, 0 to update, 0 to rotate, 0 to revoke.');
    await expectExit(keyplan(ws, gl, ['apply', '--auto-approve']), 0);
    expect(gl.use((await readSecretsFile(ws, '.keyplan/ci.env')).get('GITLAB_DEPLOY_TOKEN') ?? '')).toBe(true);
    expect(gl.use((await readSecretsFile(ws, '.keyplan/registry.env')).get('REGISTRY_TOKEN') ?? '')).toBe(true);
    expect(only(gl, 'ci-deploy')).toMatchObject({ scopes: ['api', 'write_repository'], access_level: 30 });
    expect(only(gl, 'registry-reader').access_level).toBe(20);
    await expectExit(keyplan(ws, gl, ['plan', '--detailed-exitcode']), 0);

    // A rotation's replacement carries the most marks (owner, consumers, ownership, the token it replaces, the
    // overlap): within GitLab's 255 characters of description.
    const ciDeploy = (example as unknown as { keys: { name: string; roles: string[] }[] }).keys.find((k) => k.name === 'ci-deploy') as { roles: string[] };
    ciDeploy.roles = ['api', 'write_repository', 'read_registry'];
    await ws.writeFile('keys.yaml', JSON.stringify(example));
    await expectExit(keyplan(ws, gl, ['apply', '--auto-approve']), 0);
    expect(live(gl, 'ci-deploy')).toHaveLength(2);
    for (const token of live(gl, 'ci-deploy')) expect(token.description?.length).toBeLessThanOrEqual(255);
    await expectExit(keyplan(ws, gl, ['plan', '--detailed-exitcode']), 0);
    await sweepFiles(ws, ['.keyplan/ci.env', '.keyplan/registry.env']);
  });

  it('never rotates or revokes the token keyplan runs with (found with GET /personal_access_tokens/self)', async () => {
    const ws = workspace();
    const gl = gitlab();
    ws.watchSecretsOf(gl);
    await gitlabYaml(ws, gl, { user: 'root' }, [{ name: 'keyplan-admin', roles: ['api'], expires: '30d' }]);
    const plan = await keyplan(ws, gl, ['plan']);
    expect(plan.exitCode).toBe(1);
    expect(plan.stdout + plan.stderr).toContain('is the key keyplan authenticates with (the token in GITLAB_TOKEN)');
    expect(gl.requests.some((line) => line.startsWith('GET /api/v4/personal_access_tokens/self -> 200'))).toBe(true);
    const apply = await keyplan(ws, gl, ['apply', '--auto-approve']);
    expect(apply.exitCode).not.toBe(0);
    expect(gl.tokens.get(gl.admin.id)).toMatchObject({ revoked: false, active: true });
    expect(rotates(gl)).toEqual([]);
  });

  it('checks expiry limits at plan, naming each limit, with the file:line:column of the expiry', async () => {
    const ws = workspace();
    const gl = gitlab();
    ws.watchSecretsOf(gl);
    const limits: [KeysYamlKey, Record<string, unknown>, RegExp][] = [
      [{ name: 'too-long', roles: ['read_api'], expires: '400d' }, {}, /keys\.yaml:\d+:\d+.*expires: 400d is longer than GitLab's maximum access token lifetime \(max_token_lifetime\) of 365d/],
      [{ name: 'instance-max', roles: ['read_api'], expires: '60d' }, { max_token_lifetime: '30d' }, /expires: 60d is longer than GitLab's maximum access token lifetime \(max_token_lifetime\) of 30d/],
      [{ name: 'forever', roles: ['read_api'], expires: 'never' }, {}, /keys\.yaml:\d+:\d+.*GitLab requires access tokens to expire \(expiry_required: true, GitLab's default\); "never" is not accepted/],
      [{ name: 'today', roles: ['read_api'], expires: '6h' }, {}, /expires: 6h is shorter than the first date GitLab accepts \(tokens expire on a date, which must be after today\) of 1 day/],
    ];
    for (const [key, extra, message] of limits) {
      await gitlabYaml(ws, gl, { project: 'acme/app' }, [key], extra);
      const plan = await expectExit(keyplan(ws, gl, ['plan']), 1);
      expect(plan.stdout + plan.stderr).toMatch(message);
      expect(plan.stderr).not.toMatch(/\n\s+at /);
    }
    await gitlabYaml(ws, gl, { project: 'acme/app' }, [{ name: 'forever', roles: ['read_api'], expires: 'never' }], { expiry_required: false });
    await expectExit(keyplan(ws, gl, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(gl.requests.some((line) => line.startsWith('POST'))).toBe(false);
  });

  it('refuses a bad gitlab: key field with its file:line:column, before any request', async () => {
    const ws = workspace();
    const gl = gitlab();
    ws.watchSecretsOf(gl);
    await gitlabYaml(ws, gl, { project: 'acme/app' }, [{ name: 'bad-level', roles: ['read_api'], gitlab: { access_level: 'admin' } }]);
    const plan = await expectExit(keyplan(ws, gl, ['plan']), 1);
    expect(plan.stderr).toMatch(/keys\.yaml:\d+:\d+.*access_level/);
    expect(plan.stderr.trim().split('\n')).toHaveLength(1);
    expect(gl.requests).toEqual([]);
  });
});
