import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, TEST_STORE } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start();
});
afterAll(async () => {
  await h.stop();
});

describe('health endpoints (for load balancers and probes)', () => {
  it('answers liveness and readiness without authentication, whatever credential is sent', async () => {
    for (const token of [null, 'kp_not-a-key-of-this-service', undefined]) {
      expect(await h.call('GET', '/v1/health', { token })).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(await h.call('GET', '/v1/ready', { token })).toMatchObject({ status: 200, body: { status: 'ready', store: TEST_STORE } });
    }
  });

  it('refuses other methods with 405 and the Allow header', async () => {
    const reply = await h.call('POST', '/v1/ready', { token: null });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
  });
});
