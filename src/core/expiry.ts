import { parseDuration } from './duration.js';
import { exactDuration, isoDate } from './humanize.js';
import type { Capabilities, EpochMillis, Expiry, RemoteKey } from './model.js';

/** Relative expiries match a key's lifespan within this much (servers round, clocks drift). */
const LIFESPAN_TOLERANCE_MS = 60_000;

export function describeExpiry(expiry: Expiry | undefined): string {
  if (!expiry) return 'unspecified';
  return expiry.kind === 'never' ? 'never' : expiry.text;
}

export function describeRemoteExpiry(remote: RemoteKey): string {
  if (remote.expiresAt === null) return 'never';
  return `${isoDate(remote.expiresAt)} (${describeLifespan(remote.expiresAt - remote.createdAt)})`;
}

function describeLifespan(ms: number): string {
  const days = ms / 86_400_000;
  return Number.isInteger(days) ? `${days}d after creation` : `${Math.round(ms / 3_600_000)}h after creation`;
}

/** Whether the remote key already has the declared expiry. Undeclared expiry matches anything. */
export function expiryMatches(expiry: Expiry | undefined, remote: RemoteKey): boolean {
  if (!expiry) return true;
  switch (expiry.kind) {
    case 'never':
      return remote.expiresAt === null;
    case 'relative':
      return remote.expiresAt !== null && Math.abs(remote.expiresAt - remote.createdAt - expiry.ms) <= LIFESPAN_TOLERANCE_MS;
    case 'absolute':
      return remote.expiresAt !== null && Math.abs(remote.expiresAt - expiry.at) <= 1000;
  }
}

/** When a key created at `createdAt` with this expiry expires (null: never). */
export function expiresAtFor(expiry: Expiry | undefined, createdAt: EpochMillis): EpochMillis | null {
  if (!expiry || expiry.kind === 'never') return null;
  return expiry.kind === 'relative' ? createdAt + expiry.ms : expiry.at;
}

/** Why the provider cannot accept this expiry, or undefined when it can. */
export function expiryRefusal(expiry: Expiry | undefined, capabilities: Capabilities, now: EpochMillis): string | undefined {
  if (!expiry) return undefined;
  const support = capabilities.expiration;
  if (support.mode === 'presets') {
    const accepted = support.presets.join(', ');
    if (expiry.kind === 'never') return support.presets.includes('never') ? undefined : `the provider does not accept "never"; it accepts ${accepted}`;
    if (expiry.kind === 'absolute') return `the provider accepts only preset expirations (${accepted}), not a date`;
    const matches = support.presets.some((preset) => preset !== 'never' && parseDuration(preset) === expiry.ms);
    return matches ? undefined : `the provider does not accept expires: ${expiry.text}; it accepts ${accepted}`;
  }
  const limits = support.limits ?? {};
  if (expiry.kind === 'never') return support.allowsNever ? undefined : `${limits.never ?? 'the provider requires keys to expire'}; "never" is not accepted`;
  const lifetime = expiry.kind === 'relative' ? expiry.ms : expiry.at - now;
  if (expiry.kind === 'absolute' && lifetime <= 0) return `expires: ${expiry.text} is in the past`;
  if (support.minMs !== undefined && lifetime < support.minMs) {
    return `expires: ${expiry.text} is shorter than ${limits.min ?? "the provider's minimum"} of ${exactDuration(support.minMs)}`;
  }
  if (support.maxMs !== null && lifetime > support.maxMs) {
    return `expires: ${expiry.text} is longer than ${limits.max ?? "the provider's maximum"} of ${Math.floor(support.maxMs / 86_400_000)}d`;
  }
  return undefined;
}

export function isExpired(remote: RemoteKey, now: EpochMillis): boolean {
  return remote.expiresAt !== null && remote.expiresAt <= now;
}
