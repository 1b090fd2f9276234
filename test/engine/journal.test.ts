import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyplanError } from '../../src/core/errors.js';
import { Journal } from '../../src/engine/journal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = { provider: 'default', idempotencyKey: 'keyplan-1', spec: { name: 'Svc', description: 'd', roles: ['READONLY'], metadata: {} }, startedAt: 1 };

describe('Journal', () => {
  it('keeps only what it reads: delivery targets and flags of an earlier run are not remembered', async () => {
    const path = join(dir, 'journal.json');
    await writeFile(path, JSON.stringify({ kind: 'keyplan-journal', version: 1, pending: [{ ...entry, deliver: [{ type: 'file', path: '/proc/x' }], secretsOut: '/proc/x.env' }] }));
    expect((await Journal.open(path)).pending()).toEqual([entry]);
  });

  it('a journal it cannot write (a full disk, a file in the way) stops the apply with a user error naming it', async () => {
    const journal = await Journal.open(join(dir, 'work', 'journal.json'));
    await writeFile(join(dir, 'work'), 'a regular file where the directory should be');
    const failure = journal.recordAll([entry]);
    await expect(failure).rejects.toBeInstanceOf(KeyplanError);
    await expect(failure).rejects.toThrow(/^cannot write the apply journal .*journal\.json \((EEXIST|ENOTDIR)\): keyplan records each create there before sending it, so it stopped\./);
  });

  it('a damaged entry is a user error, not a crash later', async () => {
    const path = join(dir, 'journal.json');
    await writeFile(path, JSON.stringify({ kind: 'keyplan-journal', version: 1, pending: [{ provider: 'default' }] }));
    await expect(Journal.open(path)).rejects.toThrow(/cannot read the apply journal .*\(an entry is damaged\)/);
  });
});
