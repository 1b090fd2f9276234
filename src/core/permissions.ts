import type { Role } from './model.js';
import type { RoleChange } from './plan-types.js';

export type RoleCatalog = ReadonlyMap<string, Role>;

export function roleCatalog(roles: readonly Role[]): RoleCatalog {
  return new Map(roles.map((role) => [role.name, role]));
}

export function permissionsOf(roleNames: readonly string[], catalog: RoleCatalog): Set<string> {
  const permissions = new Set<string>();
  for (const name of roleNames) for (const permission of catalog.get(name)?.permissions ?? []) permissions.add(permission);
  return permissions;
}

export function roleChange(before: readonly string[], after: readonly string[], catalog: RoleCatalog): RoleChange {
  const beforePermissions = permissionsOf(before, catalog);
  const afterPermissions = permissionsOf(after, catalog);
  const permissionsAdded = [...afterPermissions].filter((p) => !beforePermissions.has(p)).sort();
  return {
    rolesAdded: after.filter((r) => !before.includes(r)),
    rolesRemoved: before.filter((r) => !after.includes(r)),
    permissionsAdded,
    permissionsRemoved: [...beforePermissions].filter((p) => !afterPermissions.has(p)).sort(),
    escalation: permissionsAdded.length > 0,
  };
}

/**
 * A permission is privileged when it changes something: anything but reading and verifying.
 * Which roles are privileged follows from what they grant, not from their names.
 */
export function isPrivilegedPermission(permission: string): boolean {
  if (permission === '*' || permission.endsWith(':*')) return true;
  return !(permission.endsWith(':read') || permission === 'keys:verify');
}

export function privilegedRoles(roleNames: readonly string[], catalog: RoleCatalog): string[] {
  return roleNames.filter((name) => (catalog.get(name)?.permissions ?? []).some(isPrivilegedPermission));
}
