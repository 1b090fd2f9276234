/**
 * keys.yaml roles for Cloudflare are permission group names as the dashboard shows them (`DNS Write`,
 * `Zone Read`); keyplan looks their ids up in `GET …/tokens/permission_groups` and never asks for one by
 * hand. A name Cloudflare uses in more than one scope is written with its scope: `Zone Read (account)`.
 * No I/O here.
 */
import type { Role } from '../../core/model.js';

/** One entry of `GET …/tokens/permission_groups`. */
export interface PermissionGroup {
  id: string;
  name: string;
  scopes: string[];
}

export const ACCOUNT_SCOPE = 'com.cloudflare.api.account';
export const ZONE_SCOPE = 'com.cloudflare.api.account.zone';

const SCOPE_LABELS: Record<string, string> = {
  [ACCOUNT_SCOPE]: 'account',
  [ZONE_SCOPE]: 'zone',
  'com.cloudflare.api.user': 'user',
  'com.cloudflare.edge.r2.bucket': 'r2 bucket',
};

export class PermissionCatalog {
  readonly #byRole = new Map<string, PermissionGroup>();
  readonly #roleById = new Map<string, string>();

  constructor(groups: readonly PermissionGroup[]) {
    const counts = new Map<string, number>();
    for (const group of groups) counts.set(group.name, (counts.get(group.name) ?? 0) + 1);
    for (const group of groups) {
      let role = group.name;
      if ((counts.get(group.name) ?? 0) > 1) role = `${group.name} (${group.scopes.map((s) => SCOPE_LABELS[s] ?? s).join(', ')})`;
      if (this.#byRole.has(role)) role = `${group.name} (${group.id})`;
      this.#byRole.set(role, group);
      this.#roleById.set(group.id, role);
    }
  }

  /** The role name of a permission group a token holds (its own name when Cloudflare lists it no more). */
  roleOf(group: { id: string; name?: string }): string {
    return this.#roleById.get(group.id) ?? group.name ?? group.id;
  }

  /** The permission groups of roles; throws a RangeError naming the unknown ones. */
  groupsFor(roles: readonly string[]): PermissionGroup[] {
    const unknown = roles.filter((role) => !this.#byRole.has(role));
    if (unknown.length > 0) {
      const near = unknown.flatMap((role) => [...this.#byRole.keys()].filter((known) => known.toLowerCase().includes(role.toLowerCase().split(' ')[0] ?? role)).slice(0, 5));
      throw new RangeError(`Cloudflare has no permission group ${unknown.map((r) => JSON.stringify(r)).join(', ')}${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}; \`keyplan roles\` lists them`);
    }
    return roles.map((role) => this.#byRole.get(role) as PermissionGroup);
  }

  roles(): Role[] {
    return [...this.#byRole.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, group]) => ({
        name,
        description: `Cloudflare permission group ${group.id}, on ${group.scopes.map((s) => SCOPE_LABELS[s] ?? s).join(', ') || 'no scope'}`,
        permissions: group.scopes.map((scope) => `${group.name} on ${SCOPE_LABELS[scope] ?? scope}`),
      }));
  }
}
