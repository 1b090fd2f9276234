import { describe, expect, it } from 'vitest';
import { providersBlock, readProvidersEarly } from '../../src/io/early-providers.js';
import { loadConfig } from '../../src/io/load-config.js';
import { NOW, useConfigDirs } from './temp-config.js';

const setup = useConfigDirs();

const KEYS = 'keys:\n  - name: A\n    roles: [READONLY]\n  - { name: B, roles: [ADMIN] }\n';
const KEYS_IN_PROD = 'keys:\n  - name: A\n    provider: prod\n    roles: [READONLY]\n';

describe('readProvidersEarly', () => {
  it.each([
    ['block style, between other sections', `version: 1\nproviders:\n  prod:\n    type: http\n    url: https://keys.example.com\n    token_env: KP_TOKEN\n    timeout: 30s\n  local:\n    type: local\n    path: ../db/keys.db\npolicy:\n  prune: false\n${KEYS_IN_PROD}`],
    ['flow entries, comments and blank lines inside the block', `# keys\nversion: 1\n\nproviders:\n  # the service\n  prod: { type: http, url: "https://keys.example.com", token_env: KP_TOKEN }\n\n# more\n  other: {type: http, url: 'http://127.0.0.1:8787', token_env: KP_OTHER}\n${KEYS_IN_PROD}`],
    ['the block last in the file, with CRLF line ends', `version: 1\r\n${KEYS.replaceAll('\n', '\r\n')}providers:\r\n  prod:\r\n    type: http\r\n    url: https://keys.example.com\r\n    token_env: KP_TOKEN\r\n`],
  ])('gives the providers the full load gives, positions included: %s', async (_, text) => {
    const dir = await setup({ 'conf/keys.yaml': text });
    const early = await readProvidersEarly('conf/keys.yaml', { cwd: dir });
    const state = await loadConfig('conf/keys.yaml', { cwd: dir, now: NOW });
    expect(early).toEqual(state.providers);
  });

  it('declines a file without a providers block (the default provider), or with a malformed one', async () => {
    const dir = await setup({
      'none.yaml': `version: 1\n${KEYS}`,
      'bad-timeout.yaml': `version: 1\nproviders:\n  prod: { type: http, url: "https://k.example.com", token_env: T, timeout: soon }\n${KEYS}`,
      'twice.yaml': `version: 1\nproviders:\n  a: { type: http, url: "https://a.example.com", token_env: T }\nproviders:\n  b: { type: http, url: "https://b.example.com", token_env: T }\n`,
      'incomplete.yaml': `version: 1\nproviders:\n  prod: { type: http, url: "https://k.example.com" }\n${KEYS}`,
    });
    for (const file of ['none.yaml', 'bad-timeout.yaml', 'twice.yaml', 'incomplete.yaml', 'missing.yaml']) {
      expect(await readProvidersEarly(file, { cwd: dir }), file).toBeUndefined();
    }
  });

  it('declines a root file below minBytes unless it includes other files', async () => {
    const providers = 'providers:\n  prod: { type: http, url: "https://k.example.com", token_env: T }\n';
    const dir = await setup({ 'small.yaml': `version: 1\n${providers}${KEYS}`, 'incl.yaml': `version: 1\ninclude: [teams/*.yaml]\n${providers}` });
    expect(await readProvidersEarly('small.yaml', { cwd: dir, minBytes: 10_000 })).toBeUndefined();
    expect(await readProvidersEarly('small.yaml', { cwd: dir, minBytes: 10 })).toHaveProperty('prod');
    expect(await readProvidersEarly('incl.yaml', { cwd: dir, minBytes: 10_000 })).toHaveProperty('prod');
  });
});

describe('providersBlock', () => {
  it('keeps the lines of the block in place and blanks the ones before it', () => {
    expect(providersBlock('version: 1\nproviders:\n  a: {}\n\n  # c\nkeys: []\n')).toBe('\nproviders:\n  a: {}\n\n  # c\n');
    expect(providersBlock('version: 1\nkeys: []\n')).toBeUndefined();
  });
});
