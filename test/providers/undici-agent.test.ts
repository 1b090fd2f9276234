import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent as IndexAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { loadUndiciAgent } from '../../src/providers/undici-agent.js';

describe('undici without its index', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('finds the Agent and request in the installed undici files (a layout change shows here, not as a slow start)', async () => {
    const loaded = await loadUndiciAgent();
    expect(loaded.loadedFrom).toBe('files');
    // One module instance: the Agent of the files is the Agent undici's index exports.
    expect(loaded.Agent).toBe(IndexAgent);
  });

  it('sends a request through the Agent and reads the answer', async () => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, auth: req.headers.authorization ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { Agent, request } = await loadUndiciAgent();
    const agent = new Agent({ connections: 2 });
    closers.push(() => agent.close());
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await request(agent, { origin, path: '/v1/keys?limit=2', method: 'GET', headers: { authorization: 'Bearer t' } });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ method: 'GET', url: '/v1/keys?limit=2', auth: 'Bearer t' });
  });
});
