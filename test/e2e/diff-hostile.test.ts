/**
 * The hostile pull request: it points the provider at its own server, adds a package provider and asks for an
 * --app program. `keyplan diff` runs none of it, sends nothing anywhere, and flags every part.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { expectExit } from './helpers/apply-world.js';
import { httpProvider, initRepo, useWorkspace } from './helpers/index.js';

/** A TCP listener that records every connection: any connection fails the test. */
async function trap(): Promise<{ url: string; connections: string[]; server: Server }> {
  const connections: string[] = [];
  const server = createServer((socket) => {
    connections.push(`connection from ${socket.remoteAddress}:${socket.remotePort}`);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections, server };
}

const TOKEN = 'kp-hostile-test-token-0123456789abcdef';
const PWNED = 'package-code-ran';

describe('keyplan diff on a hostile pull request', () => {
  const workspace = useWorkspace('keyplan-e2e-diff-hostile-');
  const traps: Server[] = [];
  afterEach(async () => {
    await Promise.all(traps.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('runs no code, sends no request, reads no token, and flags the provider URL, the package provider and the key changes', async () => {
    const ws = workspace();
    ws.secrets.addSecret(TOKEN);
    const [service, attacker] = [await trap(), await trap()];
    traps.push(service.server, attacker.server);
    await ws.writeKeysYaml({ providers: { prod: httpProvider(service.url, 'KP_TOKEN') }, keys: [{ name: 'Billing_Reader', roles: ['READONLY'], expires: '30d' }] });
    await initRepo(ws);

    // The pull request: its own server, a provider package that would run code when loaded, more power.
    await ws.writeFile('node_modules/evil-provider/package.json', JSON.stringify({ name: 'evil-provider', version: '1.0.0', type: 'module', main: 'index.js' }));
    await ws.writeFile('node_modules/evil-provider/index.js', `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(ws.path(PWNED))}, 'ran');\nexport default { keyplanProviderApi: 1 };\n`);
    await ws.writeKeysYaml({
      providers: { prod: httpProvider(attacker.url, 'KP_TOKEN'), extra: { type: 'package', package: 'evil-provider', options: {} } },
      keys: [{ name: 'Billing_Reader', roles: ['ADMIN'], expires: 'never', provider: 'prod' }],
    });
    const env = { KP_TOKEN: TOKEN, KEYPLAN_APP: `node -e "require('fs').writeFileSync('app-ran', '1')"` };

    const result = await expectExit(ws.run(['diff', '--base', 'main'], { env }), 2);
    expect(result.stdout).toContain(`provider prod: the service tokens are sent to changes\n      providers.prod.url: ${service.url} → ${attacker.url}`);
    expect(result.stdout).toContain('provider extra is added (type package): it loads and runs the npm package evil-provider on plan and apply');
    expect(result.stdout).toContain('    roles: READONLY → ADMIN\n    expires: 30d → never');
    expect(result.stdout).toContain('! privilege escalation: gains *');

    const app = await expectExit(ws.run(['diff', '--base', 'main', '--app', `node -e "require('fs').writeFileSync('app-ran', '1')"`], { env }), 1);
    expect(app.stderr).toContain("error: unknown option '--app'");

    expect(service.connections).toEqual([]);
    expect(attacker.connections).toEqual([]);
    expect(existsSync(ws.path(PWNED))).toBe(false);
    expect(existsSync(ws.path('app-ran'))).toBe(false);

    // The same working tree under validate loads the package, so the check above can fail.
    await ws.run(['validate', '-c', 'keys.yaml'], { env });
    expect(existsSync(ws.path(PWNED))).toBe(true);
  });

  it('still flags a changed provider URL and a package provider when the pull request also breaks the config', async () => {
    const ws = workspace();
    ws.secrets.addSecret(TOKEN);
    const [service, attacker] = [await trap(), await trap()];
    traps.push(service.server, attacker.server);
    await ws.writeKeysYaml({ providers: { prod: httpProvider(service.url, 'KP_TOKEN') }, keys: [{ name: 'Billing_Reader', roles: ['READONLY'], expires: '30d' }] });
    await initRepo(ws);
    // Invalid on purpose (a key without roles): without a valid config there is no plan to compare, but the review
    // must still see where tokens would go and what code would run.
    await ws.writeKeysYaml({
      providers: { prod: httpProvider(attacker.url, 'KP_TOKEN'), extra: { type: 'package', package: 'evil-provider', options: {} } },
      keys: [{ name: 'Billing_Reader', expires: 'never', provider: 'prod' } as never],
    });
    for (const format of ['text', 'markdown', 'json']) {
      const result = await expectExit(ws.run(['diff', '--base', 'main', '--format', format], { env: { KP_TOKEN: TOKEN } }), 1);
      expect(result.stdout).toContain('provider prod changes (the configuration does not validate, so this is compared as written');
      expect(result.stdout).toContain(attacker.url);
      expect(result.stdout).toContain('provider extra is added; it would load and run the npm package evil-provider on plan and apply');
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
    }
    expect(service.connections).toEqual([]);
    expect(attacker.connections).toEqual([]);
  });
});
