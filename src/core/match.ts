import type { DesiredKey, RemoteKey } from './model.js';

export type MatchResult =
  | { kind: 'matched'; remote: RemoteKey; renamedFrom?: string }
  | { kind: 'missing'; revoked?: RemoteKey }
  | { kind: 'ambiguous'; message: string };

/**
 * Finds the live remote key a declared key stands for: by its name, else by a `renamed_from` name.
 * Two live keys under one name cannot be reconciled safely: that is reported with both ids.
 */
export function matchDesired(desired: DesiredKey, live: ReadonlyMap<string, RemoteKey[]>, revoked: ReadonlyMap<string, RemoteKey>): MatchResult {
  const byName = live.get(desired.name) ?? [];
  if (byName.length > 1) return ambiguous(desired.name, byName);
  if (byName[0]) return { kind: 'matched', remote: byName[0] };

  const renamed = desired.renamedFrom.flatMap((oldName) => (live.get(oldName) ?? []).map((remote) => ({ oldName, remote })));
  if (renamed.length > 1) {
    return {
      kind: 'ambiguous',
      message: `renamed_from matches ${renamed.length} live keys: ${renamed.map((r) => `${r.remote.name} (${r.remote.id})`).join(', ')}; revoke all but one first`,
    };
  }
  if (renamed[0]) return { kind: 'matched', remote: renamed[0].remote, renamedFrom: renamed[0].oldName };
  return { kind: 'missing', revoked: revoked.get(desired.name) };
}

function ambiguous(name: string, keys: RemoteKey[]): MatchResult {
  return {
    kind: 'ambiguous',
    message: `${keys.length} live keys are named ${name}: ${keys.map((k) => k.id).join(', ')}; revoke all but one in the key service first`,
  };
}

/** Live keys grouped by name; the most recently revoked key of each name. */
export function indexRemote(keys: readonly RemoteKey[]): { live: Map<string, RemoteKey[]>; revoked: Map<string, RemoteKey> } {
  const live = new Map<string, RemoteKey[]>();
  const revoked = new Map<string, RemoteKey>();
  for (const key of keys) {
    if (key.revokedAt === null) {
      const list = live.get(key.name);
      if (list) list.push(key);
      else live.set(key.name, [key]);
    } else if ((revoked.get(key.name)?.revokedAt ?? -Infinity) < key.revokedAt) {
      revoked.set(key.name, key);
    }
  }
  return { live, revoked };
}
