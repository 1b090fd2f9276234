import { describe, expect, it } from 'vitest';
import { retiringMetadata } from '../../src/core/ownership.js';
import { hasChanges, makePlan, summarize } from '../../src/core/plan.js';
import type { FinishAction } from '../../src/core/plan-types.js';
import { specFor } from '../../src/core/key-changes.js';
import type { UnfinishedCreate } from '../../src/core/unfinished.js';
import { DAY, NOW, desiredKey, desiredState, remoteFor, snapshot } from '../core/builders.js';

const svc = desiredKey({ name: 'Svc_12' });
const STARTED = NOW - DAY;

function entry(overrides: Partial<UnfinishedCreate> = {}): UnfinishedCreate {
  return { provider: 'default', idempotencyKey: 'keyplan-interrupted', spec: specFor(svc), startedAt: STARTED, ...overrides };
}

function plan(declared: typeof svc[], remote: ReturnType<typeof remoteFor>[], unfinished: UnfinishedCreate[]) {
  const made = makePlan(desiredState(declared), { default: snapshot(remote) }, NOW, unfinished);
  return made.providers[0] as NonNullable<(typeof made.providers)[0]>;
}

describe('work an interrupted apply left behind', () => {
  it('is a finish action when the key service made the key: counted, a change, delivered where keys.yaml says now', () => {
    const made = remoteFor(svc, { createdAt: STARTED + 1000 });
    const p = plan([svc], [made], [entry()]);
    expect(p.actions.map((a) => [a.kind, a.name])).toEqual([['finish', 'Svc_12']]);
    const finish = p.actions[0] as FinishAction;
    expect(finish).toMatchObject({ keyId: made.id, idempotencyKey: 'keyplan-interrupted', journalKey: 'keyplan-interrupted' });
    expect(finish.reasons[0]).toContain('deliver the secret of the key created by an interrupted apply');
    const whole = makePlan(desiredState([svc]), { default: snapshot([made]) }, NOW, [entry()]);
    expect(hasChanges(whole)).toBe(true);
    expect(summarize(whole).finish).toBe(1);
  });

  it('is the ordinary create when the create never reached the key service, and the record is let go', () => {
    const p = plan([svc], [], [entry()]);
    expect(p.actions.map((a) => a.kind)).toEqual(['create']);
    expect(p.actions[0]?.reasons.at(-1)).toContain('never reached the key service');
    expect(p.droppedJournal).toEqual([expect.objectContaining({ name: 'Svc_12', journalKey: 'keyplan-interrupted' })]);
  });

  it('never creates a key no longer declared; one the service made is revoked by the ordinary plan', () => {
    expect(plan([], [], [entry()])).toMatchObject({ actions: [], droppedJournal: [expect.objectContaining({ reason: expect.stringContaining('no longer declared') })] });
    const made = remoteFor(svc, { createdAt: STARTED + 1000 });
    const p = plan([], [made], [entry()]);
    expect(p.actions.map((a) => [a.kind, a.name])).toEqual([['revoke', 'Svc_12']]);
  });

  it('does not take a key that existed before the interrupted apply for the one it made', () => {
    const older = remoteFor(svc, { createdAt: STARTED - DAY });
    expect(plan([svc], [older], [entry()])).toMatchObject({ actions: [], droppedJournal: [expect.objectContaining({ name: 'Svc_12' })] });
  });

  it('finishes a rotation whose replacement never arrived: creates it as declared now, then retires the old key', () => {
    const old = remoteFor(svc, { createdAt: NOW - 30 * DAY });
    const renamed = { ...old, name: 'Svc_12.retiring-1', metadata: retiringMetadata(old, 'Svc_12', null) };
    const p = plan([svc], [renamed], [entry({ retire: { keyId: old.id, overlapMs: 0 } })]);
    expect(p.actions.map((a) => a.kind)).toEqual(['finish']);
    expect(p.actions[0]).toMatchObject({ keyId: null, retire: { keyId: old.id, overlapMs: 0 }, journalKey: 'keyplan-interrupted' });
    expect((p.actions[0] as FinishAction).idempotencyKey).not.toBe('keyplan-interrupted');
  });

  it('lets go of a rotation that never began (the old key still has its name)', () => {
    const old = remoteFor(svc, { createdAt: STARTED + 1000 });
    const p = plan([svc], [old], [entry({ retire: { keyId: old.id, overlapMs: 0 } })]);
    expect(p.actions).toEqual([]);
    expect(p.droppedJournal).toHaveLength(1);
  });
});
