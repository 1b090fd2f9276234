/** The permissions the key service itself checks. Roles files may add the team's own API permissions. */
export const SERVICE_PERMISSIONS = [
  'keys:read',
  'keys:create',
  'keys:update',
  'keys:revoke',
  'keys:verify',
  'roles:read',
  'shared-secret:read',
  'shared-secret:rotate',
  'events:read',
] as const;

/** `*`, `ns:*`, or a name like `keys:read` / `billing:invoices:write`. */
export const PERMISSION_PATTERN = /^(\*|[a-z][a-z0-9_-]*(:[a-z0-9_-]+)*(:\*)?)$/;

/** Whether the granted permissions include `wanted`; `*` grants everything and `ns:*` everything in `ns:`. */
export function grants(granted: readonly string[], wanted: string): boolean {
  for (const permission of granted) {
    if (permission === wanted || permission === '*') return true;
    if (permission.endsWith(':*') && wanted.startsWith(permission.slice(0, -1))) return true;
  }
  return false;
}

/** The permissions in `wanted` that `held` does not grant (sorted): empty when `wanted` is within `held`. */
export function permissionsBeyond(held: readonly string[], wanted: Iterable<string>): string[] {
  const beyond = new Set<string>();
  for (const permission of wanted) if (!grants(held, permission)) beyond.add(permission);
  return [...beyond].sort();
}
