import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sarifValidator } from '../render/audit-sarif-schema.js';
import { ADMIN, MANAGED, createKey, runCli, startServe, useKey, type CliResult } from './audit-harness.js';

interface AuditJson {
  format_version: string;
  keys: { name: string; declared: boolean; managed: boolean; last_used_at: string | null; findings: { kind: string; severity: string }[] }[];
}

let dir: string;
let server: Awaited<ReturnType<typeof startServe>>;
const secrets: string[] = [ADMIN];

const KEYS_YAML = `# keys for the audit test
version: 1
providers:
  svc:
    type: http
    url: URL
    token_env: AUDIT_TOKEN
keys:
  - name: Billing_Reader      # used every day
    description: Reads invoices
    roles: [READONLY]
    owner: team-billing
  - name: Idle_Reader
    description: Nobody uses this
    roles: [READONLY]
  - name: Deployer
    description: Deploys
    roles: [ADMIN]
    expires: 30d
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-audit-e2e-'));
  server = await startServe(join(dir, 'keys.db'));
  await writeFile(join(dir, 'keys.yaml'), KEYS_YAML.replace('URL', server.url));
  const billing = await createKey(server.url, { name: 'Billing_Reader', description: 'Reads invoices', roles: ['READONLY'], metadata: { ...MANAGED, 'keyplan-owner': 'team-billing' } });
  const idle = await createKey(server.url, { name: 'Idle_Reader', description: 'Nobody uses this', roles: ['READONLY'], metadata: MANAGED });
  const deployer = await createKey(server.url, { name: 'Deployer', description: 'Deploys', roles: ['ADMIN'], expires_in: '30d', metadata: MANAGED });
  const manual = await createKey(server.url, { name: 'hand-made', roles: ['READONLY'] });
  secrets.push(billing.secret, idle.secret, deployer.secret, manual.secret);
  await useKey(server.url, billing.secret);
  await useKey(server.url, manual.secret);
});

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function audit(...args: string[]): Promise<CliResult> {
  const result = await runCli(['audit', ...args], dir, { AUDIT_TOKEN: ADMIN });
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
  return result;
}

function kindsByName(json: AuditJson): Record<string, string[]> {
  return Object.fromEntries(json.keys.map((key) => [key.name, key.findings.map((f) => f.kind)]));
}

describe('keyplan audit against a real key service', () => {
  it('today: the key used today is fine, the hand-made key is unmanaged; exit 0 unless --fail-on warning', async () => {
    const result = await audit('--format', 'json');
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as AuditJson;
    expect(json.format_version).toBe('1');
    expect(kindsByName(json)).toEqual({ 'hand-made': ['unmanaged'], Billing_Reader: [], Deployer: [], Idle_Reader: [] });
    expect(json.keys.find((k) => k.name === 'Billing_Reader')?.last_used_at).not.toBeNull();
    expect(json.keys.find((k) => k.name === 'Idle_Reader')?.last_used_at).toBeNull();
    expect((await audit('--fail-on', 'warning')).code).toBe(2);
  });

  it('at --as-of +100d: the used key is stale, the idle one never used, the admin key expired and privileged-stale', async () => {
    const result = await audit('--as-of', '+100d', '--format', 'json', '--fail-on', 'error');
    expect(result.code).toBe(2);
    expect(kindsByName(JSON.parse(result.stdout) as AuditJson)).toEqual({
      Deployer: ['expired', 'privileged-stale'],
      'hand-made': ['stale', 'unmanaged'],
      Billing_Reader: ['stale'],
      Idle_Reader: ['never-used'],
    });
  });

  it('prints a table with Never for the unused key, errors first', async () => {
    const result = await audit('--as-of', '+100d');
    expect(result.code).toBe(2);
    const rows = result.stdout.split('\n').filter((line) => /^(Deployer|hand-made|Billing_Reader|Idle_Reader) /.test(line));
    expect(rows.map((row) => row.split(/\s{2,}/)[0])).toEqual(['Deployer', 'hand-made', 'Billing_Reader', 'Idle_Reader']);
    expect(rows[3]).toMatch(/Idle_Reader\s+Nobody uses this\s+READONLY\s+Never\s/);
    expect(rows[2]).toContain('team-billing');
    expect(result.stdout).toContain('2 errors, 4 warnings in 4 live keys.');
  });

  it('writes SARIF that validates against the 2.1.0 schema and points at the key lines of keys.yaml', async () => {
    const result = await audit('--as-of', '+100d', '--format', 'sarif');
    expect(result.code).toBe(2);
    const sarif = JSON.parse(result.stdout) as { runs: { results: { ruleId: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    const validate = sarifValidator();
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
    const places = sarif.runs[0]?.results.map((r) => `${r.ruleId} ${r.locations[0]?.physicalLocation.artifactLocation.uri}:${r.locations[0]?.physicalLocation.region.startLine}`);
    expect(places).toEqual(['expired keys.yaml:16', 'privileged-stale keys.yaml:16', 'stale keys.yaml:1', 'unmanaged keys.yaml:1', 'stale keys.yaml:9', 'never-used keys.yaml:13']);
  });

  it('writes CSV and markdown', async () => {
    const csv = await audit('--as-of', '+100d', '--format', 'csv');
    expect(csv.stdout.split('\r\n')).toHaveLength(6);
    const markdown = await audit('--as-of', '+100d', '--format', 'markdown');
    expect(markdown.stdout).toContain('## keyplan audit');
    expect(markdown.stdout).toContain('| 🔴 | **Deployer**<br>Deploys | ADMIN | Never |');
  });

  it('exits 1 with a usage message for an unreadable --as-of', async () => {
    const result = await audit('--as-of', 'next tuesday');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--as-of "next tuesday"');
  });
});
