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

/** `cloudflare: {resources}` on a key: the zones and accounts its permission groups are granted on. */
export interface ResourceChoice {
  zones?: string[];
  accounts?: string[];
}

/**
 * Zone-scoped groups go on `resources.zones`, else every zone of `resources.accounts`, else every zone (of the
 * account, for an account-owned token); account-scoped groups on `resources.accounts`, else every account (the
 * token's own, for an account-owned one).
 */
export function policiesFor(groups: readonly PermissionGroup[], accountId: string | undefined, chosen: ResourceChoice = {}): PolicyInput[] {
  const zone: PermissionGroup[] = [];
  const account: PermissionGroup[] = [];
  for (const group of groups) {
    if (group.scopes.includes(ZONE_SCOPE)) zone.push(group);
    else if (group.scopes.includes(ACCOUNT_SCOPE)) account.push(group);
    else throw new RangeError(`permission group ${JSON.stringify(group.name)} is scoped to ${group.scopes.join(', ')}; keyplan grants zone- and account-scoped groups only`);
  }
  if (chosen.zones && chosen.accounts && account.length === 0) {
    throw new RangeError('cloudflare.resources names zones and accounts, but the key has no account-scoped permission group for the accounts; drop resources.accounts');
  }
  if (accountId !== undefined && chosen.accounts) {
    throw new RangeError(`cloudflare.resources.accounts: an account-owned token reaches only its own account ${accountId}; leave resources.accounts out`);
  }
  const accountKey = accountId === undefined ? `${ACCOUNT_SCOPE}.*` : `${ACCOUNT_SCOPE}.${accountId}`;
  const accounts = chosen.accounts?.map((id) => `${ACCOUNT_SCOPE}.${id}`) ?? [accountKey];
  const policies: PolicyInput[] = [];
  if (zone.length > 0) {
    let resources: PolicyInput['resources'];
    if (chosen.zones) resources = Object.fromEntries(chosen.zones.map((id) => [`${ZONE_SCOPE}.${id}`, '*']));
    else if (chosen.accounts || accountId !== undefined) resources = Object.fromEntries(accounts.map((key) => [key, { [`${ZONE_SCOPE}.*`]: '*' }]));
    else resources = { [`${ZONE_SCOPE}.*`]: '*' };
    policies.push({ effect: 'allow', permission_groups: zone.map((g) => ({ id: g.id })), resources });
  }
  if (account.length > 0) policies.push({ effect: 'allow', permission_groups: account.map((g) => ({ id: g.id })), resources: Object.fromEntries(accounts.map((key) => [key, '*'])) });
  return policies;
}

/**
 * What `cloudflare: {resources}` a token's policies say, in the form policiesFor takes (undefined: the defaults,
 * every zone and account): the inverse of policiesFor, so a key written that way reads back as written.
 */
export function resourcesOf(policies: readonly TokenPolicy[] | undefined, accountId: string | undefined): ResourceChoice | undefined {
  const zones: string[] = [];
  const accounts: string[] = [];
  const add = (list: string[], id: string) => {
    if (id !== '*' && !list.includes(id)) list.push(id);
  };
  for (const policy of policies ?? []) {
    if (policy.effect !== 'allow') continue;
    for (const [key, value] of Object.entries(policy.resources)) {
      if (key.startsWith(`${ZONE_SCOPE}.`)) add(zones, key.slice(ZONE_SCOPE.length + 1));
      else if (key.startsWith(`${ACCOUNT_SCOPE}.`)) add(accounts, key.slice(ACCOUNT_SCOPE.length + 1));
      if (value !== null && typeof value === 'object') for (const inner of Object.keys(value)) if (inner.startsWith(`${ZONE_SCOPE}.`)) add(zones, inner.slice(ZONE_SCOPE.length + 1));
    }
  }
  // An account-owned token's own account is where it always is (resources.accounts is refused for it).
  const chosenAccounts = accountId === undefined ? accounts : accounts.filter((id) => id !== accountId);
  const choice: ResourceChoice = { ...(zones.length > 0 ? { zones } : {}), ...(chosenAccounts.length > 0 ? { accounts: chosenAccounts } : {}) };
  return choice.zones || choice.accounts ? choice : undefined;
}

/** The roles a token's allow policies grant, sorted. */
export function rolesOf(policies: readonly TokenPolicy[] | undefined, catalog: PermissionCatalog): string[] {
  const roles = new Set<string>();
  for (const policy of policies ?? []) if (policy.effect === 'allow') for (const group of policy.permission_groups) roles.add(catalog.roleOf(group));
  return [...roles].sort();
}
