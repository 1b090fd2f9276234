import { exactDuration, humanDuration, isoDate, relativeTime } from './humanize.js';
import type { DesiredKey, EpochMillis, Policy, RemoteKey } from './model.js';
import { isManaged, managedElsewhere, retiringInfo } from './ownership.js';
import { privilegedRoles, type RoleCatalog } from './permissions.js';
import { remembered } from './remembered.js';
import type { Finding, FindingKind, Severity } from './plan-types.js';

export interface FindingsInput {
  provider: string;
  /** Live (not revoked) remote keys. */
  keys: readonly RemoteKey[];
  /** The declared key for each remote key id that is declared. */
  declared: ReadonlyMap<string, DesiredKey>;
  catalog: RoleCatalog;
  policy: Policy;
  now: EpochMillis;
  /** The configuration's `ownership:`; keys of another are reported as managed-elsewhere. */
  ownership: string;
}

export const DEFAULT_SEVERITY: Record<FindingKind, Severity> = {
  stale: 'warning',
  'never-used': 'warning',
  expired: 'error',
  expiring: 'warning',
  'no-expiry': 'error',
  'rotation-due': 'warning',
  unmanaged: 'warning',
  'managed-elsewhere': 'warning',
  'privileged-stale': 'error',
};

/** The audit findings for every live key, declared or not. A key never used is judged by its age. */
export function evaluateFindings(input: FindingsInput): Finding[] {
  const judge = keyJudge(input);
  return input.keys.flatMap((remote) => judge(remote));
}

/**
 * The findings of one live key, in the order they are found. The work shared by every key (which roles are
 * privileged, how policy's durations read) is done once, here, rather than per key.
 */
export function keyJudge({ provider, declared, catalog, policy, now, ownership }: Omit<FindingsInput, 'keys'>): (remote: RemoteKey) => Finding[] {
  const privilegedNames = new Set(privilegedRoles([...catalog.keys()], catalog));
  const staleAfter = exactDuration(policy.staleAfterMs);
  // Equal messages as one string: the messages of 100,000 keys are a few dozen distinct texts.
  const shared = remembered((text) => text);
  // The idle messages are made once per distinct "3 months ago": most keys then build no message at all.
  const staleMessage = remembered((ago) => `last used ${ago} (stale_after: ${staleAfter})`);
  const neverUsedMessage = remembered((ago) => `never used since it was created ${ago}`);
  const privilegedMessage = remembered((idle) => remembered((roles) => `${idle} and holds privileged role ${roles}`));
  // One list reused for every key; each key gets an exact-size copy (an array grown by push keeps spare room).
  const found: Finding[] = [];
  return (remote) => {
    const desired = declared.get(remote.id);
    found.length = 0;
    const add = (kind: FindingKind, message: string) =>
      found.push({ kind, severity: DEFAULT_SEVERITY[kind], provider, keyId: remote.id, name: remote.name, message: shared(message), desired, remote });

    const idle = idleness(remote, policy, now);
    if (idle) {
      const message = idle === 'stale' ? staleMessage(relativeTime(remote.lastUsedAt as number, now)) : neverUsedMessage(relativeTime(remote.createdAt, now));
      const privileged = remote.roles.filter((role) => privilegedNames.has(role));
      if (privileged.length > 0) add('privileged-stale', privilegedMessage(message)(privileged.join(', ')));
      else add(idle, message);
    }

    if (remote.expiresAt !== null && remote.expiresAt <= now) {
      add('expired', `expired ${relativeTime(remote.expiresAt, now)} (${isoDate(remote.expiresAt)}) and is still listed as active`);
    } else if (remote.expiresAt !== null && remote.expiresAt - now <= policy.expiryWarningMs) {
      add('expiring', `expires ${relativeTime(remote.expiresAt, now)} (${isoDate(remote.expiresAt)})`);
    }
    if (remote.expiresAt === null && policy.requireExpiryFor.length > 0) {
      const mustExpire = remote.roles.filter((role) => policy.requireExpiryFor.includes(role));
      if (mustExpire.length > 0) add('no-expiry', `never expires, but policy requires an expiry for role ${mustExpire.join(', ')}`);
    }

    const every = desired?.rotation?.everyMs;
    if (every !== undefined && now - remote.createdAt > every) {
      add('rotation-due', `is ${humanDuration(now - remote.createdAt)} old; rotation.every is ${exactDuration(every)}`);
    }
    if (!desired && !isManaged(remote) && !retiringInfo(remote)) add('unmanaged', 'is not declared in keys.yaml and not managed by keyplan');
    const elsewhere = managedElsewhere(remote, ownership);
    if (elsewhere !== undefined) add('managed-elsewhere', `is managed by ownership ${elsewhere}, not ${ownership}: this configuration never touches it`);
    return found.length === 0 ? [] : found.slice();
  };
}

/** Whether the key is stale (used, not lately) or never used (and older than the grace); undefined when neither. */
function idleness(remote: RemoteKey, policy: Policy, now: EpochMillis): 'stale' | 'never-used' | undefined {
  if (remote.lastUseUnknown !== undefined) return undefined; // no last use recorded: neither stale nor never used
  if (remote.lastUsedAt !== null) return now - remote.lastUsedAt > policy.staleAfterMs ? 'stale' : undefined;
  return now - remote.createdAt > policy.unusedGraceMs ? 'never-used' : undefined;
}
