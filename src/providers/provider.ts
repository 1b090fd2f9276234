import type { Expiry, ProviderCapabilities, RemoteKey, Role } from '../core/model.js';
import type { SelfKey } from '../core/plan-refusals.js';
import type { Secret } from '../core/secret.js';

export interface CreateKeyInput {
  name: string;
  description: string;
  roles: string[];
  /** undefined: the key service's default applies. */
  expires?: Expiry;
  metadata: Record<string, string>;
  /** Makes a retried or resumed create return the first key (and secret) instead of a duplicate. */
  idempotencyKey: string;
  /** What only this provider's kind of service has (the key's field named after the provider type), schema-checked. */
  providerFields?: Record<string, unknown>;
}

export interface ListOptions {
  includeRevoked?: boolean;
}

export interface UpdateKeyInput {
  name?: string;
  description?: string;
  roles?: string[];
  /** Replaces the whole map. */
  metadata?: Record<string, string>;
  /** Provider fields the provider edits in place (capabilities().editableProviderFields), each replaced as written. */
  providerFields?: Record<string, unknown>;
}

export interface CreatedKey {
  key: RemoteKey;
  secret: Secret;
  /** True when the key service answered an earlier create with the same idempotency key. */
  replayed: boolean;
}

/**
 * Where keys live. A provider only lists keys and carries out actions; planning
 * is the pure core's job. Every failure is a ProviderError a user can act on.
 */
export interface Provider {
  /** The provider's name in keys.yaml. */
  readonly name: string;
  /** Where it keeps keys, for messages: "local store .keyplan/keys.db", "https://keys.example.com". */
  readonly description: string;
  /** What the key service can do, and how this provider behaves (see ProviderTraits). */
  capabilities(): Promise<ProviderCapabilities>;
  roles(): Promise<Role[]>;
  /** Every live key, across all pages; revoked keys too with `includeRevoked` (the plan explains re-creates with them). */
  list(options?: ListOptions): Promise<RemoteKey[]>;
  /**
   * The key this provider's credential is, where it authenticates with one (the local store has none):
   * the plan never revokes or rotates it away.
   */
  identity?(): Promise<SelfKey | undefined>;
  create(input: CreateKeyInput): Promise<CreatedKey>;
  /** `etag` makes the update fail with status 412 if the key changed since it was read. */
  update(id: string, patch: UpdateKeyInput, etag?: string): Promise<RemoteKey>;
  /** Revoking an already revoked key returns it unchanged. */
  revoke(id: string): Promise<RemoteKey>;
  close(): Promise<void>;
  /**
   * The key service's apply lease, where it offers one (capabilities().leases): one apply at a time per
   * ownership, across checkouts and machines. Absent: the provider cannot hold one (the plan warns).
   */
  readonly leases?: ApplyLeases;
}

/** Who takes an apply lease, as the key service records and shows it. */
export interface LeaseHolder {
  pid: number;
  host: string;
  /** ISO date-time. */
  startedAt: string;
  /** Free text: a CI job URL, say (at most 200 characters). */
  run?: string;
}

export interface ApplyLease {
  id: string;
  ownership: string;
  holder: LeaseHolder;
  acquiredAt: number;
  expiresAt: number;
}

export type LeaseAttempt = { acquired: true; lease: ApplyLease } | { acquired: false; heldBy: ApplyLease };

/** The apply lease API of a key service (POST/PUT/DELETE/GET /v1/leases). */
export interface ApplyLeases {
  acquire(ownership: string, holder: LeaseHolder, ttlSeconds: number): Promise<LeaseAttempt>;
  /** The renewed lease; undefined when it expired or was released (force-unlocked): the holder lost it. */
  renew(id: string, ttlSeconds: number): Promise<ApplyLease | undefined>;
  /** False when no such lease exists. */
  release(id: string): Promise<boolean>;
  current(ownership: string): Promise<ApplyLease | null>;
}

/** The permission each operation needs, for messages about a token that lacks it. */
export const PERMISSION_FOR = {
  capabilities: undefined,
  roles: 'roles:read',
  list: 'keys:read',
  create: 'keys:create',
  update: 'keys:update',
  revoke: 'keys:revoke',
} as const;
export type ProviderOperation = keyof typeof PERMISSION_FOR;
