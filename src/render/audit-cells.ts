import type { AuditedKey } from '../core/audit.js';
import { humanDuration, isoDate, relativeTime } from '../core/humanize.js';
import { OWNER_KEY, type EpochMillis } from '../core/model.js';
import type { SourcePosition } from '../core/errors.js';

/** The cells every human-facing audit format shows for a key, as text. */
export interface KeyCells {
  name: string;
  description: string;
  roles: string;
  lastUsed: string;
  age: string;
  expires: string;
  owner: string;
}

export function keyCells(key: AuditedKey, asOf: EpochMillis): KeyCells {
  const { remote } = key;
  return {
    name: remote.name,
    description: remote.description,
    roles: remote.roles.join(', '),
    lastUsed: remote.lastUseUnknown !== undefined ? `unknown (${remote.lastUseUnknown})` : remote.lastUsedAt === null ? 'Never' : relativeTime(remote.lastUsedAt, asOf),
    age: humanDuration(Math.max(0, asOf - remote.createdAt)),
    expires: remote.expiresAt === null ? 'never' : `${isoDate(remote.expiresAt)} (${relativeTime(remote.expiresAt, asOf)})`,
    owner: ownerOf(key) ?? '-',
  };
}

/** The declared owner, else the one keyplan recorded on the key. */
export function ownerOf(key: AuditedKey): string | undefined {
  return key.desired?.owner ?? key.remote.metadata[OWNER_KEY];
}

/** Where a finding points: the declared key's entry, else line 1 of the root config file. */
export function findingLocation(key: AuditedKey, rootFile: string): SourcePosition {
  return key.desired?.source ?? { file: rootFile, line: 1, column: 1 };
}

/** `…` past `max` characters, for table cells. */
export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
