import { describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/plan.js';
import { planTextChunks, renderPlanText } from '../../src/render/plan-text.js';
import { planToJson } from '../../src/render/plan-json.js';
import type { Paint } from '../../src/render/paint.js';
import { DAY, HOUR, NOW, desiredKey, desiredState, remoteFor, remoteKey, snapshot } from '../core/builders.js';
import { hugePlan } from './sample-plans.js';

function samplePlan() {
  const reader = desiredKey({ name: 'Reader', owner: 'team-a', expires: { kind: 'relative', ms: 90 * DAY, text: '90d' } });
  const ops = desiredKey({ name: 'Ops', description: 'ops automation', roles: ['ADMIN'] });
  const state = desiredState([reader, ops]);
  const remote = [
    remoteFor(desiredKey({ name: 'Ops', description: 'old text' }), { id: 'key_ops' }),
    remoteKey({ id: 'key_gone', name: 'Gone', lastUsedAt: NOW - 2 * HOUR }),
  ];
  return makePlan(state, { default: snapshot(remote) }, NOW);
}

describe('text renderer', () => {
  it('shows no description line for a key without one, and no Findings: header when there are none', () => {
    const bare = desiredKey({ name: 'Bare', description: '', expires: { kind: 'relative', ms: 90 * DAY, text: '90d' } });
    const text = renderPlanText(makePlan(desiredState([bare]), { default: snapshot([]) }, NOW));
    expect(text).toContain('+ create Bare\n      roles:       READONLY\n');
    expect(text).not.toContain('description');
    expect(text).not.toContain('Findings:');
  });

  it('uses Terraform-like symbols and a summary line', () => {
    expect(renderPlanText(samplePlan())).toMatchInlineSnapshot(`
      "Provider default:

        + create Reader
            description: "Reads invoices"
            roles:       READONLY
            expires:     90d
            owner:       team-a
            # declared, and no live key has this name (never created, or deleted outside keyplan)

        ~ update Ops (key_ops)
            ~ description: "old text" → "ops automation"
            ~ roles: [READONLY] → [ADMIN]
            # description changed
            # roles +ADMIN -READONLY (adds keys:create, keys:revoke, keys:update)
            ! Ops gains permissions: keys:create, keys:revoke, keys:update

        - revoke Gone (key_gone)
            # managed by keyplan and no longer declared
            ! Gone (key_gone) was last used 2 hours ago, within in_use_window (7 days) [needs --allow-in-use]

      Plan: 1 to create, 1 to update, 0 to rotate, 1 to revoke.
      "
    `);
  });

  it('colours through the paint it is given, and only then', () => {
    const paint: Paint = (style, text) => `<${style}>${text}</${style}>`;
    const text = renderPlanText(samplePlan(), { paint });
    expect(text).toContain('<green>+ create</green>');
    expect(text).toContain('<red>- revoke</red>');
    expect(renderPlanText(samplePlan())).not.toContain('\u001b[');
  });

  it('says so when nothing changes', () => {
    const plan = makePlan(desiredState([]), { default: snapshot([]) }, NOW);
    expect(renderPlanText(plan)).toContain('No changes. The key service matches keys.yaml.');
  });
});

describe('text renderer on a plan of any size', () => {
  it('renders 60,000 actions (400,000 lines; spreading them into one push overflowed the stack), in chunks that join to the text', () => {
    const plan = hugePlan(60_000);
    const chunks = [...planTextChunks(plan)];
    expect(chunks.length).toBeGreaterThan(100);
    const text = chunks.join('');
    expect(text).toBe(renderPlanText(plan));
    expect(text.endsWith('Plan: 60000 to create, 0 to update, 0 to rotate, 0 to revoke.\n')).toBe(true);
    expect(text.split('\n').filter((line) => line.startsWith('  + create ')).length).toBe(60_000);
  });
});

describe('JSON renderer', () => {
  it('is versioned with stable field names', () => {
    const json = planToJson(samplePlan()) as Record<string, unknown>;
    expect(json).toMatchObject({ format_version: '1', created_at: '2026-11-23T12:00:00Z', has_changes: true, summary: { create: 1, update: 1, rotate: 0, revoke: 1 } });
    const [provider] = json.providers as Record<string, unknown>[];
    const actions = provider?.actions as Record<string, unknown>[];
    expect(actions.map((a) => [a.action, a.name, a.key_id])).toEqual([
      ['create', 'Reader', null],
      ['update', 'Ops', 'key_ops'],
      ['revoke', 'Gone', 'key_gone'],
    ]);
    expect(actions[0]).toMatchObject({ spec: { expires: '90d', metadata: { 'managed-by': 'keyplan', 'keyplan-owner': 'team-a' } }, source: { file: 'keys.yaml', line: 5, column: 5 } });
  });
});
