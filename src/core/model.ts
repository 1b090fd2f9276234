import type { SourcePosition } from './errors.js';

/** Milliseconds. Durations in the written config (`90d`) are normalized to this. */
export type Millis = number;
/** A moment as epoch milliseconds. The core never reads the clock: callers pass `now`. */
export type EpochMillis = number;

/** How long a key lives, as declared. */
export type Expiry =
  | { kind: 'never' }
  /** Relative to the key's creation: `90d`. `text` is what was written, for messages and presets. */
  | { kind: 'relative'; ms: Millis; text: string }
  /** An absolute date or date-time (`2027-06-30`), as epoch ms of its instant (dates are end of day UTC). */
  | { kind: 'absolute'; at: EpochMillis; text: string };

/** A field of `rotation:`, as a key's `fields` records where it was written. */
export type RotationField = 'rotation.every' | 'rotation.before_expiry' | 'rotation.overlap';

export interface RotationPolicy {
  /** Rotate when the key is older than this. */
  everyMs?: Millis;
  /** Rotate when the key expires within this. */
  beforeExpiryMs?: Millis;
  /** Keep the old key this long after its replacement is delivered. 0 = revoke at once. */
  overlapMs: Millis;
}

export type DeliverTarget =
  | { type: 'file'; path: string; format: 'dotenv' | 'json'; var: string }
  | { type: 'github-secret'; repo: string; name: string; environment?: string };

export interface DesiredKey {
  name: string;
  description: string;
  roles: string[];
  /** undefined: not declared (the provider's default applies). */
  expires?: Expiry;
  owner?: string;
  consumers: string[];
  /** The provider name, always filled in by normalization. */
  provider: string;
  renamedFrom: string[];
  rotation?: RotationPolicy;
  deliver: DeliverTarget[];
  preventRevoke: boolean;
  /** `take_over:` the ownership this key may be adopted from (explicit, shown in the plan). */
  takeOver?: string;
  /** What only its provider's kind of service has (the key field named after the provider type, e.g. `keystone:`). */
  providerFields?: { type: string; values: Record<string, unknown> };
  /** Where the key's entry starts in its YAML file. */
  source: SourcePosition;
  /** Where some of its fields were written, so an error about one points at it. */
  fields?: Partial<Record<'expires' | 'roles' | 'deliver' | RotationField, SourcePosition>>;
}

/**
 * A `providers:` entry. `settings` is what the provider type's normalizer made of its options
 * (see src/providers/normalizers.ts); only that provider reads them.
 */
export interface ProviderConfig {
  name: string;
  type: string;
  settings: Record<string, unknown>;
  source: SourcePosition;
}

export interface Policy {
  staleAfterMs: Millis;
  unusedGraceMs: Millis;
  inUseWindowMs: Millis;
  expiryWarningMs: Millis;
  /** null: no maximum. */
  maxLifetimeMs: Millis | null;
  requireExpiryFor: string[];
  prune: boolean;
  maxChangeFraction: number;
  minKeysForThreshold: number;
}

export const DEFAULT_POLICY: Policy = {
  staleAfterMs: 90 * 86_400_000,
  unusedGraceMs: 14 * 86_400_000,
  inUseWindowMs: 7 * 86_400_000,
  expiryWarningMs: 14 * 86_400_000,
  maxLifetimeMs: null,
  requireExpiryFor: [],
  prune: false,
  maxChangeFraction: 0.3,
  minKeysForThreshold: 10,
};

/** The normalized, typed form of keys.yaml and its includes. Separate from the written form. */
export interface DesiredState {
  /** The root config file, then every included file, as absolute paths. */
  files: string[];
  providers: Record<string, ProviderConfig>;
  policy: Policy;
  /** Top-level `ownership:`; DEFAULT_OWNERSHIP when not written. */
  ownership: string;
  keys: DesiredKey[];
  /** Top-level `release:`: names of keys this configuration lets go of without revoking them. */
  release?: string[];
  /** Top-level `state_dir:`, absolute; undefined: `.keyplan` beside the root file (KEYPLAN_STATE_DIR overrides both). */
  stateDir?: string;
}

/** A key as the key service reports it. Never holds a secret. */
export interface RemoteKey {
  id: string;
  name: string;
  description: string;
  roles: string[];
  /** Non-secret prefix of the secret, shown in lists. */
  prefix: string;
  createdAt: EpochMillis;
  expiresAt: EpochMillis | null;
  lastUsedAt: EpochMillis | null;
  /** Set where the service records no last use: why lastUsedAt is null without meaning "never" ("Keystone does not record it"). */
  lastUseUnknown?: string;
  revokedAt: EpochMillis | null;
  metadata: Record<string, string>;
  /** Opaque version for If-Match on updates. */
  etag: string;
  /** What only this kind of service has on a key, as the provider reads it back (compared with a key's provider fields). */
  providerFields?: Record<string, unknown>;
}

export interface Role {
  name: string;
  description: string;
  permissions: string[];
}

export type EditableField = 'name' | 'description' | 'roles' | 'metadata' | 'expires';

/** How a refusal names each limit, e.g. max: "GitLab's maximum access token lifetime (max_token_lifetime)". */
export interface ExpiryLimitNames {
  max?: string;
  min?: string;
  /** Why `never` is refused: "GitLab requires access tokens to expire (expiry_required)". */
  never?: string;
}

export type ExpirationSupport =
  /**
   * Any expiry (duration or date) from minMs (default: any future one) up to maxMs (null: no maximum); `never`
   * allowed when allowsNever. `limits` name the service's limits in refusals ("GitLab's maximum token lifetime").
   */
  | { mode: 'any'; maxMs: Millis | null; allowsNever: boolean; minMs?: Millis; limits?: ExpiryLimitNames }
  /** Only these presets, e.g. ['14d', '30d', '90d', 'never']. */
  | { mode: 'presets'; presets: string[] };

export interface Capabilities {
  editableFields: EditableField[];
  expiration: ExpirationSupport;
  /** Whether keys carry a metadata map (where keyplan puts its ownership marker). */
  metadata: boolean;
  /**
   * Whether the key service holds apply leases (one apply per ownership at a time, across checkouts). false: it
   * says it cannot, and the plan warns; undefined: the provider does not say (a store inside the checkout).
   */
  leases?: boolean;
}

/**
 * The rest of a provider's contract, beside what its key service reports (Capabilities): what the plan
 * and engine must know about how the provider behaves. They read these, never a provider's type.
 */
export interface ProviderTraits {
  /** Where keyplan's marks (managed, ownership, owner, consumers) live on a key. */
  ownershipMarker: 'metadata' | 'description-tag' | 'name-prefix';
  /** Relative expiries count from the key's creation (so a renewal is a rotation, never an edit). */
  expiryFromCreation: boolean;
  /**
   * How a create whose answer was lost is recovered: the service replays an idempotency key, or the provider
   * finds the key again (by name and a create tag) and re-issues its secret, or (a service that can do neither)
   * finds it again and replaces it with a new key: a new id and secret (nobody ever held the first).
   */
  createRecovery: 'idempotency-key' | 'find-and-reissue' | 'find-and-replace';
  /** Whether `list({ includeRevoked: true })` returns revoked keys (else a revoked key is simply gone). */
  listsRevoked: boolean;
  /** lastUsedAt is written at most this often: a key may have been used up to this long after it. */
  lastUseResolutionMs: Millis;
  /** Whether a key's secret can be replaced in place (same id); rotations never use it, lost creates may. */
  reissueInPlace: boolean;
  /** `not-recorded`: the service keeps no last use (lastUsedAt is always null and means "unknown", not "never"). Default `recorded`. */
  lastUse?: 'recorded' | 'not-recorded';
  /**
   * Where a rotation's retirement of the old key is written. `on-old-key` (default): the old key is renamed aside
   * and marked. `on-replacement`: nothing can be edited, so the replacement is created carrying which key it
   * replaces and the overlap, and the provider reports the old key as retiring from that.
   */
  retireMarks?: 'on-old-key' | 'on-replacement';
  /** Provider fields (the key's field named after the type) the service edits in place; a change of any other rotates. */
  editableProviderFields?: string[];
  /** What the service is called in messages ("Keystone"); default "the provider". */
  serviceName?: string;
}

/** What a provider declares: its key service's capabilities and its own traits. */
export type ProviderCapabilities = Capabilities & ProviderTraits;

/** Metadata keys keyplan writes on the keys it manages. */
export const MANAGED_BY_KEY = 'managed-by';
export const MANAGED_BY_VALUE = 'keyplan';
export const OWNER_KEY = 'keyplan-owner';
/** The `ownership:` of the configuration that manages the key; absent on a managed key means `default`. */
export const OWNERSHIP_KEY = 'keyplan-ownership';
export const DEFAULT_OWNERSHIP = 'default';
/** Written just before keyplan revokes a key: the ownership that revoked it, so a later plan can say who did. */
export const REVOKED_BY_KEY = 'keyplan-revoked-by';
