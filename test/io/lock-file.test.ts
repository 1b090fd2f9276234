import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { releaseLock, thisProcess, tryLock } from '../../src/io/lock-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-lock-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('the lock file', () => {
  it('is taken, not reported unreadable, when its holder lets go between a failed link and the read (500 rounds)', async () => {
    const path = join(dir, 'apply.lock');
    const outcomes = { taken: 0, heldByFirst: 0 };
    for (let round = 0; round < 500; round++) {
      const first = thisProcess('keyplan apply');
      expect((await tryLock(path, first)).acquired).toBe(true);
      const second = thisProcess('keyplan apply');
      const [, attempt] = await Promise.all([releaseLock(path, first.id), tryLock(path, second)]);
      if (attempt.acquired) {
        outcomes.taken++;
        await releaseLock(path, second.id);
      } else {
        // Refused only while the first still held it, and then named.
        expect(attempt.holder?.id, `round ${round}`).toBe(first.id);
        outcomes.heldByFirst++;
      }
    }
    expect(outcomes.taken).toBeGreaterThan(0);
  });

  it('reports a lock file that is not a keyplan lock as unreadable (no holder), without taking it', async () => {
    const path = join(dir, 'apply.lock');
    await writeFile(path, 'not json');
    expect(await tryLock(path, thisProcess('keyplan apply'))).toEqual({ acquired: false, holder: undefined });
  });
});
