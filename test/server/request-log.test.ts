import { afterEach, describe, expect, it, vi } from 'vitest';
import { BufferedLog } from '../../src/server/request-log.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /;

afterEach(() => {
  vi.useRealTimers();
});

describe('BufferedLog (the request log of keyplan serve)', () => {
  it('writes the lines of one event loop turn in one write, in order, each with its ISO time', async () => {
    const writes: string[] = [];
    const log = new BufferedLog((text) => writes.push(text));
    log.line('GET /v1/health 200 0.1ms');
    log.line('POST /v1/verify 200 0.2ms');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toHaveLength(1);
    const lines = (writes[0] as string).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => line.replace(LINE, ''))).toEqual(['GET /v1/health 200 0.1ms', 'POST /v1/verify 200 0.2ms']);
    for (const line of lines) expect(line).toMatch(LINE);
    log.line('GET /v1/whoami 401 0.1ms');
    await nextTurn();
    expect(writes).toHaveLength(2);
    expect(writes[1]).toMatch(/^\S+ GET \/v1\/whoami 401 0\.1ms\n$/);
    await nextTurn();
    expect(writes).toHaveLength(2);
  });

  it('stamps each line with the time it was logged, not the time it is written', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const writes: string[] = [];
    const log = new BufferedLog((text) => writes.push(text));
    vi.setSystemTime(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    log.line('first');
    log.line('second');
    vi.setSystemTime(Date.UTC(2026, 0, 2, 3, 4, 5, 7));
    log.line('third');
    log.flush();
    expect(writes).toEqual(['2026-01-02T03:04:05.006Z first\n2026-01-02T03:04:05.006Z second\n2026-01-02T03:04:05.007Z third\n']);
  });

  it('writes pending lines at once on flush (serve flushes before its own messages, at shutdown and at exit)', async () => {
    const writes: string[] = [];
    const log = new BufferedLog((text) => writes.push(text));
    log.flush();
    expect(writes).toEqual([]);
    log.line('one');
    log.flush();
    expect(writes).toHaveLength(1);
    await nextTurn();
    expect(writes).toHaveLength(1);
  });

  it('writes at once when a turn has logged 64 KiB, keeping memory bounded', () => {
    const writes: string[] = [];
    const log = new BufferedLog((text) => writes.push(text));
    const text = 'x'.repeat(1000);
    for (let i = 0; i < 70; i++) log.line(text);
    expect(writes).toHaveLength(1);
    expect((writes[0] as string).length).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('survives a sink that fails at the end of a turn (the lines are lost, the server goes on)', async () => {
    let fail = true;
    const writes: string[] = [];
    const log = new BufferedLog((text) => {
      if (fail) throw new Error('EPIPE');
      writes.push(text);
    });
    log.line('lost');
    await nextTurn();
    fail = false;
    log.line('kept');
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/ kept\n$/);
  });
});
