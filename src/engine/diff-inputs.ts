import { readFile } from 'node:fs/promises';
import { KeyplanError } from '../core/errors.js';
import type { LastUseIndex } from '../core/declared-diff.js';
import type { RoleCatalog } from '../core/permissions.js';
import { defaultServiceConfig, loadServiceConfig } from '../store/config/service-config-file.js';

/** The roles keyplan diff knows offline: the default key service's, or those of a roles file (`keyplan serve --roles`). */
export function diffRoles(rolesFile: string | undefined): RoleCatalog {
  return (rolesFile ? loadServiceConfig(rolesFile) : defaultServiceConfig()).roles;
}

/** Last use by `provider/name`, from a saved `keyplan audit --format json`. */
export async function lastUseFromAudit(file: string | undefined): Promise<LastUseIndex | undefined> {
  if (file === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new KeyplanError(`--audit ${file}: cannot read it as the JSON of keyplan audit --format json (${(error as Error).message})`);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new KeyplanError(`--audit ${file}: not the JSON of keyplan audit --format json (no "keys" list)`);
  const index = new Map<string, string | null>();
  for (const key of keys as { provider?: unknown; name?: unknown; last_used_at?: unknown }[]) {
    if (typeof key?.provider !== 'string' || typeof key.name !== 'string') continue;
    const used = typeof key.last_used_at === 'string' ? key.last_used_at : null;
    const id = `${key.provider}/${key.name}`;
    // Several remote keys of one name (a rotation's old and new): the latest use counts.
    const known = index.get(id);
    if (known === undefined || (used !== null && (known === null || used > known))) index.set(id, used);
  }
  return index;
}
