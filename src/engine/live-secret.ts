import { ProviderError } from '../core/errors.js';
import { isoTime } from '../core/humanize.js';
import type { KeySpec } from '../core/plan-types.js';
import type { CreatedKey } from '../providers/index.js';

/**
 * A secret is delivered only for a live key, whatever a provider answers: a create answered with a revoked
 * or expired key, or with a key that is not the one asked for (say, a replay of an earlier create whose key
 * was renamed since), fails. It counts as a refusal (409), so the journal forgets the create and the next
 * plan makes a new key.
 */
export function requireLive(created: CreatedKey, spec: KeySpec, now: number): CreatedKey {
  const { key } = created;
  let why: string | undefined;
  if (key.revokedAt !== null) why = `was revoked ${isoTime(key.revokedAt)}`;
  else if (key.expiresAt !== null && key.expiresAt <= now) why = `expired ${isoTime(key.expiresAt)}`;
  else if (key.name !== spec.name) why = `is named ${key.name}`;
  if (why === undefined) return created;
  const replay = created.replayed ? ', replaying an earlier create,' : '';
  throw new ProviderError(
    `the key service${replay} answered the create of ${spec.name} with key ${key.id}, which ${why}: its secret was not delivered. Run keyplan plan again; it plans a new key`,
    409,
    'conflict',
  );
}
