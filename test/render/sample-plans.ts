import { makePlan } from '../../src/core/plan.js';
import type { Plan } from '../../src/core/plan-types.js';
import { DAY, HOUR, NOW, desiredKey, desiredState, remoteFor, snapshot } from '../core/builders.js';

/**
 * A plan a reviewer must read carefully: a create, a role escalation, a rotation (the expiry cannot be
 * edited in place), a revoke gated on recent use, and an old key waiting out its rotation overlap.
 */
export function reviewPlan(): Plan {
  const reader = desiredKey({ name: 'Billing_Reader', description: 'Reads invoices for the *billing* dashboard', owner: 'team_billing', expires: { kind: 'relative', ms: 90 * DAY, text: '90d' } });
  const ops = desiredKey({ name: 'Ops_Bot', description: 'ops automation', roles: ['ADMIN'], owner: 'team-ops' });
  const deploy = desiredKey({ name: 'Deploy_Key', description: 'deploys', roles: ['BILLING'], expires: { kind: 'relative', ms: 30 * DAY, text: '30d' }, rotation: { overlapMs: 24 * HOUR } });
  const state = desiredState([reader, ops, deploy]);
  const remote = [
    remoteFor(desiredKey({ name: 'Ops_Bot', description: 'ops automation', owner: 'team-ops' }), { id: 'key_ops_1' }),
    remoteFor(desiredKey({ name: 'Deploy_Key', description: 'deploys', roles: ['BILLING'] }), { id: 'key_deploy_1' }),
    remoteFor(desiredKey({ name: 'Legacy_Export', consumers: ['export-job'] }), { id: 'key_legacy_1', lastUsedAt: NOW - 2 * HOUR }),
    remoteFor(desiredKey({ name: 'Search_Key-retired' }), {
      id: 'key_search_0',
      metadata: { 'managed-by': 'keyplan', 'keyplan-retiring-for': 'Search_Key', 'keyplan-retire-at': String(NOW + 12 * HOUR) },
    }),
  ];
  return makePlan(state, { default: snapshot(remote) }, NOW);
}

/** `count` keys to create, each with a long description: a plan far beyond one comment. */
export function hugePlan(count: number): Plan {
  const keys = Array.from({ length: count }, (_, i) => desiredKey({ name: `Key_${String(i).padStart(5, '0')}`, description: `generated key number ${i} `.repeat(4) }));
  return makePlan(desiredState(keys), { default: snapshot([]) }, NOW);
}
