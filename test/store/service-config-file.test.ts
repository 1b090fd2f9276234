import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { parseServiceConfig } from '../../src/store/config/service-config-file.js';

function issues(text: string): string[] {
  try {
    parseServiceConfig(text, 'roles.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.line}:${i.column} ${i.message}`);
    throw error;
  }
  return [];
}

describe('roles file', () => {
  it('reads roles, team permissions and capabilities (YAML)', () => {
    const config = parseServiceConfig(
      [
        'roles:',
        '  GATEWAY: { description: Verifies keys, permissions: [keys:verify] }',
        '  BILLING: { description: Billing API, permissions: ["billing:*"] }',
        'capabilities:',
        '  editable_fields: [description, metadata]',
        '  expiration: { presets: [14d, 30d, never] }',
      ].join('\n'),
      'roles.yaml',
    );
    expect([...config.roles.keys()]).toEqual(['GATEWAY', 'BILLING']);
    expect(config.roles.get('BILLING')?.permissions).toEqual(['billing:*']);
    expect(config.capabilities).toEqual({ editableFields: ['description', 'metadata'], expiration: { mode: 'presets', presets: ['14d', '30d', 'never'] } });
  });

  it('reads JSON with a maximum lifetime', () => {
    const config = parseServiceConfig('{"roles": {"R": {"description": "r", "permissions": ["*"]}}, "capabilities": {"expiration": {"max": "365d", "allows_never": false}}}', 'roles.json');
    expect(config.capabilities.expiration).toEqual({ mode: 'any', max: '365d', allowsNever: false });
  });

  it('reports every problem with its line and column', () => {
    expect(
      issues(['roles:', '  bad name: { permissions: [keys:read] }', '  R:', '    permissions: [keys:reed, "Not A Permission"]', 'capabilities:', '  editable_fields: [expires]', '  expiration: { presets: [90 days] }', 'extra: 1'].join('\n')),
    ).toEqual([
      '8:1 unknown section "extra" (expected roles, capabilities)',
      '2:13 role name "bad name" must start with a letter and use only letters, digits, _ . -',
      '4:19 unknown key-service permission "keys:reed"; known: keys:read, keys:create, keys:update, keys:revoke, keys:verify, roles:read, shared-secret:read, shared-secret:rotate, events:read',
      '4:30 "Not A Permission" is not a permission: use "*", "namespace:*" or names like keys:read, billing:write',
      '6:21 "expires" is not editable in place; choose from name, description, roles, metadata',
      '7:27 "90 days" is not a duration like 90d or never',
    ]);
  });

  it('reports YAML syntax errors with a position', () => {
    expect(issues('roles:\n  R: [unclosed\n')[0]).toMatch(/^\d+:\d+ /);
  });
});
