import { isPrivilegedPermission } from '../core/permissions.js';
import type { Role } from '../core/model.js';

/** Roles and the permissions each grants; privileged permissions are marked. */
export function renderRolesText(provider: string, roles: readonly Role[]): string {
  const lines = [`Roles at provider ${provider}:`, ''];
  for (const role of roles) {
    lines.push(`  ${role.name}${role.description ? ` — ${role.description}` : ''}`);
    for (const permission of role.permissions) lines.push(`    ${isPrivilegedPermission(permission) ? '*' : ' '} ${permission}`);
    lines.push('');
  }
  lines.push('  * changes something (privileged)');
  return `${lines.join('\n')}\n`;
}
