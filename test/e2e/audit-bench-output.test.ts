import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditBenchYaml, seedAuditBench } from '../../bench/audit-config.mjs';
import { KeyStore } from '../../src/store/sqlite/key-store.js';
import { describeRun } from './helpers/cli.js';
import { expectFixture, standInKeyIds } from './helpers/fixtures.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

// The audit of bench:audit's store (bench/audit-config.mjs, at a smaller size) in every format, byte for byte as
// recorded in test/fixtures/audit-bench/ before the performance work on audit: making audit faster must not change
// what it says. A few keys beyond the bench's own carry what the bench's do not: descriptions that JSON and CSV must
// escape, expiries, owners, another ownership, a rotation, a revoked key. The store's clock and --as-of are fixed;
// key ids and secret prefixes are random, so they become stable stand-ins before comparing.
// To record again after an intended change of the audit: KEYPLAN_RECORD_FIXTURES=1 npx vitest run <this file>.

const FIXTURES = join(import.meta.dirname, '../fixtures/audit-bench');
const DAY = 86_400_000;
const NOW = Date.parse('2026-11-01T08:30:00.250Z');
const AS_OF = '2026-11-01T12:00:00Z';
const FORMATS = ['json', 'text', 'markdown', 'sarif', 'csv'] as const;

/** Ids become `key_<n>` and prefixes `kp_<n>` in order of first appearance, the same length as the real ones. */
function stable(text: string): string {
  const prefixes = new Map<string, string>();
  return standInKeyIds(text).replace(/kp_[A-Za-z0-9_-]{8}(?![A-Za-z0-9_-])/g, (prefix) => {
      if (!prefixes.has(prefix)) prefixes.set(prefix, `kp_${String(prefixes.size).padStart(8, '0')}`);
      return prefixes.get(prefix) as string;
    });
}

/** The bench's keys, then the unusual ones, created at fixed moments. */
function seed(ws: E2eWorkspace, dbPath: string): void {
  const clock = { at: NOW };
  const store = KeyStore.open(dbPath, { clock: () => clock.at });
  const create = (input: Parameters<KeyStore['createKey']>[0]) => {
    const created = store.createKey(input);
    ws.secrets.addSecret(created.secret.reveal());
    return created;
  };
  try {
    seedAuditBench({ batch: (work) => store.batch(work), createKey: create, authenticate: (secret) => store.authenticate(secret) }, clock, { count: 120, declared: 24, now: NOW });
    clock.at = NOW - 40 * DAY;
    create({ name: 'Quoted', description: 'Says "hi" \\ back\\slash\ttab\nnew line, é, 🔑, </script>', roles: ['READONLY'], metadata: { 'keyplan-owner': 'team "q"' } });
    create({ name: 'Soon', roles: ['ADMIN'], expiresAt: NOW + 3 * DAY + 1234, metadata: { 'managed-by': 'keyplan', 'keyplan-owner': 'ops' } });
    create({ name: 'Gone', roles: ['READONLY'], expiresAt: NOW - 2 * DAY, metadata: { 'managed-by': 'keyplan' } });
    create({ name: 'Theirs', description: 'other config', roles: ['READONLY'], metadata: { 'managed-by': 'keyplan', 'keyplan-ownership': 'payments' } });
    create({ name: 'Rotating', description: 'rotates', roles: ['READONLY'], expiresAt: NOW + 400 * DAY, metadata: { 'managed-by': 'keyplan' } });
    const revoked = create({ name: 'Revoked', roles: ['ADMIN'] });
    store.revokeKey(revoked.key.id);
    clock.at = NOW - 60 * 60_000;
    create({ name: 'Fresh', description: 'made an hour ago', roles: ['ADMIN'], expiresAt: Date.parse('2027-01-01T00:00:00Z') });
  } finally {
    store.close();
  }
}

describe('audit output for the benchmark store', () => {
  const workspace = useWorkspace();

  it('bench:audit (stale, never-used, unmanaged and privileged keys over a local store) is unchanged in every format', async () => {
    const ws = workspace();
    seed(ws, ws.path('keys.db'));
    const extra = [
      '  - name: Soon',
      '    description: ""',
      '    roles: [ADMIN]',
      '    owner: ops',
      '  - name: Rotating',
      '    description: rotates',
      '    roles: [READONLY]',
      '    rotation: { every: 30d, overlap: 1h }',
      '',
    ].join('\n');
    const yaml = auditBenchYaml('keys.db', 24).replace('keys:\n', 'policy:\n  stale_after: 60d\nkeys:\n') + extra;
    await ws.writeFile('keys.yaml', yaml);
    for (const format of FORMATS) {
      const result = await ws.run(['audit', '--format', format, '--as-of', AS_OF]);
      expect(result.exitCode, describeRun(result)).toBe(2);
      if (format === 'json') {
        const summary = (JSON.parse(result.stdout) as { summary: unknown }).summary;
        expect(summary).toEqual({
          keys: 126,
          errors: 14,
          warnings: 213,
          by_kind: { expired: 1, expiring: 1, 'never-used': 40, 'privileged-stale': 13, 'rotation-due': 1, 'managed-elsewhere': 1, stale: 72, unmanaged: 98 },
        });
      }
      await expectFixture(FIXTURES, `audit.${format === 'markdown' ? 'md' : format}`, stable(result.stdout));
    }
  });
});
