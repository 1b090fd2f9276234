import { DEFAULT_POLICY, MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../../src/core/model.js';
import type { Capabilities, DesiredKey, DesiredState, Policy, RemoteKey, Role } from '../../src/core/model.js';
import type { ProviderSnapshot } from '../../src/core/plan.js';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

export function desiredKey(overrides: Partial<DesiredKey> = {}): DesiredKey {
  return {
    name: 'Billing_Reader',
    description: 'Reads invoices',
    roles: ['READONLY'],
    consumers: [],
    provider: 'default',
    renamedFrom: [],
    deliver: [],
    preventRevoke: false,
    source: { file: 'keys.yaml', line: 5, column: 5 },
    ...overrides,
  };
}

let nextId = 1;
export function remoteKey(overrides: Partial<RemoteKey> = {}): RemoteKey {
  return {
    id: `key_${String(nextId++).padStart(4, '0')}`,
    name: 'Billing_Reader',
    description: 'Reads invoices',
    roles: ['READONLY'],
    prefix: 'kp_abcd',
    createdAt: NOW - 10 * DAY,
    expiresAt: null,
    lastUsedAt: NOW - 20 * DAY,
    revokedAt: null,
    metadata: { [MANAGED_BY_KEY]: MANAGED_BY_VALUE },
    etag: '"1"',
    ...overrides,
  };
}

/** A remote key exactly as keyplan would have created it for `desired`. */
export function remoteFor(desired: DesiredKey, overrides: Partial<RemoteKey> = {}): RemoteKey {
  const metadata: Record<string, string> = { [MANAGED_BY_KEY]: MANAGED_BY_VALUE };
  if (desired.owner) metadata['keyplan-owner'] = desired.owner;
  if (desired.consumers.length > 0) metadata['keyplan-consumers'] = desired.consumers.join(',');
  if (desired.preventRevoke) metadata['keyplan-prevent-revoke'] = 'true';
  return remoteKey({ name: desired.name, description: desired.description, roles: desired.roles, metadata, ...overrides });
}

export const ROLES: Role[] = [
  { name: 'ADMIN', description: 'everything', permissions: ['keys:read', 'keys:create', 'keys:update', 'keys:revoke', 'roles:read'] },
  { name: 'READONLY', description: 'read', permissions: ['keys:read', 'roles:read'] },
  { name: 'BILLING', description: 'billing', permissions: ['invoices:read', 'invoices:write'] },
];

export function capabilities(overrides: Partial<Capabilities> = {}): Capabilities {
  return {
    editableFields: ['name', 'description', 'roles', 'metadata'],
    expiration: { mode: 'any', maxMs: null, allowsNever: true },
    metadata: true,
    ...overrides,
  };
}

export function snapshot(keys: RemoteKey[], overrides: Partial<ProviderSnapshot> = {}): ProviderSnapshot {
  return { keys, capabilities: capabilities(), roles: ROLES, ...overrides };
}

export function policy(overrides: Partial<Policy> = {}): Policy {
  return { ...DEFAULT_POLICY, ...overrides };
}

export function desiredState(keys: DesiredKey[], policyOverrides: Partial<Policy> = {}): DesiredState {
  return {
    files: ['/repo/keys.yaml'],
    providers: { default: { name: 'default', type: 'local', settings: { path: '/repo/.keyplan/keys.db' }, source: { file: 'keys.yaml', line: 1, column: 1 } } },
    policy: policy(policyOverrides),
    ownership: 'default',
    keys,
  };
}
