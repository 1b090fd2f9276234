import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/server/api-error.js';
import { BodyBudget, WHOLE_BODY_MAX_BYTES, readBody, takeWholeBody } from '../../src/server/body.js';

/** A request as the HTTP parser leaves it: the given body chunks pushed, and ended when `complete`. */
function request(chunks: Buffer[], complete: boolean, headers: Record<string, string> = {}): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  for (const chunk of chunks) req.push(chunk);
  if (complete) {
    req.complete = true;
    req.push(null);
  }
  return req;
}

describe('takeWholeBody (a small body that arrived with its headers)', () => {
  it('takes every buffered chunk at once and leaves nothing held in the budget', async () => {
    const budget = new BodyBudget(100);
    const req = request([Buffer.from('{"key":'), Buffer.from('"kp_x"}')], true);
    expect(takeWholeBody(req, budget)?.toString()).toBe('{"key":"kp_x"}');
    expect(budget.take(100)).toBe(true);
    await new Promise<void>((resolve) => req.once('end', resolve));
  });

  it('refuses with 503 when the bodies held already leave no room, as readBody does', () => {
    const budget = new BodyBudget(20);
    expect(budget.take(10)).toBe(true);
    const error = (() => {
      try {
        takeWholeBody(request([Buffer.from('x'.repeat(11))], true), budget);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    // Nothing more is held: the 10 bytes taken before are all.
    expect(budget.take(10)).toBe(true);
    expect(budget.take(1)).toBe(false);
  });

  it('takes a body whose declared bytes have all arrived before the parser marks the request complete', async () => {
    const budget = new BodyBudget(100);
    const body = '{"key":"kp_x"}';
    const req = request([Buffer.from(body)], false, { 'content-length': String(body.length) });
    expect(takeWholeBody(req, budget)?.toString()).toBe(body);
    // The request still ends once the parser completes it.
    const ended = new Promise<void>((resolve) => req.once('end', resolve));
    req.complete = true;
    req.push(null);
    await ended;
    // Fewer bytes than declared, or a chunked body not yet complete, are still arriving.
    expect(takeWholeBody(request([Buffer.from(body)], false, { 'content-length': String(body.length + 1) }), budget)).toBeUndefined();
    expect(takeWholeBody(request([Buffer.from(body)], false, { 'transfer-encoding': 'chunked' }), budget)).toBeUndefined();
  });

  it('leaves a body still arriving, or a large one, to readBody', async () => {
    const budget = new BodyBudget(10 * WHOLE_BODY_MAX_BYTES);
    const arriving = request([Buffer.from('{"key"')], false);
    expect(takeWholeBody(arriving, budget)).toBeUndefined();
    const large = request([Buffer.alloc(WHOLE_BODY_MAX_BYTES + 1, 0x20)], true);
    expect(takeWholeBody(large, budget)).toBeUndefined();
    expect((await readBody(large, budget)).length).toBe(WHOLE_BODY_MAX_BYTES + 1);
    const exact = request([Buffer.alloc(WHOLE_BODY_MAX_BYTES, 0x20)], true);
    expect(takeWholeBody(exact, budget)?.length).toBe(WHOLE_BODY_MAX_BYTES);
  });
});
