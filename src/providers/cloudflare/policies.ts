/**
 * Roles to a token's policies and back. Each permission group is granted on the resources its scope names:
 * for an account-owned token, every zone of the account or the account itself; for a user token, every zone
 * and every account the user can reach. No I/O here.
 */
import { ACCOUNT_SCOPE, ZONE_SCOPE, type PermissionCatalog, type PermissionGroup } from './permission-groups.js';

export interface PolicyInput {
  effect: 'allow';
  permission_groups: { id: string }[];
  resources: Record<string, string | Record<string, string>>;
}

/** A policy as Cloudflare returns it. */
export interface TokenPolicy {
  id?: string;
  effect: 'allow' | 'deny';
  permission_groups: { id: string; name?: string }[];
  resources: Record<string, unknown>;
}

export function policiesFor(groups: readonly PermissionGroup[], accountId: string | undefined): PolicyInput[] {
  const zone: PermissionGroup[] = [];
  const account: PermissionGroup[] = [];
  for (const group of groups) {
    if (group.scopes.includes(ZONE_SCOPE)) zone.push(group);
    else if (group.scopes.includes(ACCOUNT_SCOPE)) account.push(group);
    else throw new RangeError(`permission group ${JSON.stringify(group.name)} is scoped to ${group.scopes.join(', ')}; keyplan grants zone- and account-scoped groups only`);
  }
  const accountKey = accountId === undefined ? `${ACCOUNT_SCOPE}.*` : `${ACCOUNT_SCOPE}.${accountId}`;
  const policies: PolicyInput[] = [];
  if (zone.length > 0) {
    const resources = accountId === undefined ? { [`${ZONE_SCOPE}.*`]: '*' } : { [accountKey]: { [`${ZONE_SCOPE}.*`]: '*' } };
    policies.push({ effect: 'allow', permission_groups: zone.map((g) => ({ id: g.id })), resources });
  }
  if (account.length > 0) policies.push({ effect: 'allow', permission_groups: account.map((g) => ({ id: g.id })), resources: { [accountKey]: '*' } });
  return policies;
}

/** The roles a token's allow policies grant, sorted. */
export function rolesOf(policies: readonly TokenPolicy[] | undefined, catalog: PermissionCatalog): string[] {
  const roles = new Set<string>();
  for (const policy of policies ?? []) if (policy.effect === 'allow') for (const group of policy.permission_groups) roles.add(catalog.roleOf(group));
  return [...roles].sort();
}
