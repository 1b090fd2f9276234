/**
 * The props of the keyplan constructs: keys.yaml's fields in camelCase. test/constructs/fields.test.ts checks
 * that these fields and schema/keys.schema.json name the same properties, so the two cannot drift apart.
 */

import type { Duration } from './duration.js';
import type { ProviderKeyFields } from './provider-props.js';

export type { Duration, DurationUnit } from './duration.js';
/** A duration after creation (`90d`), a date (`2027-06-30`: the end of that day UTC), a date-time, or `never`. */
export type Expiry = Duration | 'never' | `${number}-${number}-${number}` | `${number}-${number}-${number}T${string}`;

/** Thresholds for findings and safety gates; every field optional (keys.yaml `policy:`). */
export interface PolicyProps {
  /** A key last used longer ago than this is stale. Default 90d. */
  readonly staleAfter?: Duration;
  /** A key never used and created longer ago than this is never-used. Default 14d. */
  readonly unusedGrace?: Duration;
  /** A key used more recently than this gets a dependency warning before it is revoked. Default 7d. */
  readonly inUseWindow?: Duration;
  /** A key expiring within this is reported as expiring. Default 14d. */
  readonly expiryWarning?: Duration;
  /** Longest expiry a key may declare; `never` (the default) sets no maximum. */
  readonly maxLifetime?: Duration | 'never';
  /** Keys holding any of these roles must declare an expiry other than `never`. */
  readonly requireExpiryFor?: readonly string[];
  /** true: revoke remote keys that are not declared. Default false (report them as unmanaged). */
  readonly prune?: boolean;
  /** Safety gate: apply refuses (without --force) when revokes and rotations exceed this share. Default 0.3. */
  readonly maxChangeFraction?: number;
  /** The max_change_fraction gate applies only when at least this many keys are managed. Default 10. */
  readonly minKeysForThreshold?: number;
}

// The provider props are generated from each provider's own schema (scripts/generate-provider-schema.ts).
export type {
  HttpProviderProps,
  KeystoneKeyFieldProps,
  KeystoneProviderProps,
  LocalProviderProps,
  PackageProviderProps,
  ProviderKeyFields,
  ProviderProps,
  StrapiProviderProps,
} from './provider-props.js';

/** When keyplan replaces a key: create a new one, deliver it, then revoke the old one. */
export interface RotationProps {
  /** Rotate when the key is older than this. */
  readonly every?: Duration;
  /** Rotate when the key expires within this. */
  readonly beforeExpiry?: Duration;
  /** Keep the old key this long after the new one is delivered. Default 0s. */
  readonly overlap?: Duration;
}

/** Write a new secret into a local file (mode 0600). */
export interface FileDeliverProps {
  readonly type: 'file';
  /** The file; a relative path is relative to the project directory (where the program runs). */
  readonly path: string;
  /** dotenv (VAR=value lines, the default) or json (an object). */
  readonly format?: 'dotenv' | 'json';
  /** The variable (dotenv) or property (json) that holds the secret. */
  readonly var: string;
}

/** Store a new secret as a GitHub Actions secret. */
export interface GithubSecretDeliverProps {
  readonly type: 'github-secret';
  /** The repository, as owner/name. */
  readonly repo: string;
  /** The secret's name: letters, digits and `_`, not starting with a digit or GITHUB_. */
  readonly name: string;
  /** A deployment environment of the repository; omitted: a repository secret. */
  readonly environment?: string;
}

export type DeliverProps = FileDeliverProps | GithubSecretDeliverProps;

/** A provider given as its construct or as its name. */
export type ProviderRef = string | { readonly providerName: string };

/** Every field of one keys.yaml key, camelCased (and what only one kind of service has, under its type's name). */
export interface KeyFields extends ProviderKeyFields {
  /** The key's name, unique per provider. Default: the construct id. */
  readonly name?: string;
  /** What the key is for. */
  readonly description?: string;
  /** Roles the key holds (the default key service has ADMIN and READONLY). */
  readonly roles: readonly string[];
  /** When the key expires: `90d`, `1y`, `2027-06-30`, a date-time, or `never`. */
  readonly expires?: Expiry;
  /** The team or person responsible for the key. */
  readonly owner?: string;
  /** Systems that depend on this key; revoking it warns about them. */
  readonly consumers?: readonly string[];
  /** The provider holding the key; optional when there is one provider. */
  readonly provider?: ProviderRef;
  /** Former names: a remote key with one of them is renamed in place. */
  readonly renamedFrom?: readonly string[];
  /** When keyplan replaces this key. */
  readonly rotation?: RotationProps;
  /** Where a newly issued secret is written. */
  readonly deliver?: readonly DeliverProps[];
  /** true: keyplan never revokes this key (not even in a rotation). */
  readonly preventRevoke?: boolean;
  /** Adopt the live key of this name that another configuration manages: the ownership it is taken from. */
  readonly takeOver?: string;
}

export type ApiKeyProps = KeyFields;

/** Defaults a Team gives its keys; a key's own value replaces the team's. */
export interface TeamProps {
  /** Owner of the team's keys. Default: the team's construct id. */
  readonly owner?: string;
  readonly provider?: ProviderRef;
  readonly consumers?: readonly string[];
  readonly expires?: Expiry;
  readonly rotation?: RotationProps;
  readonly deliver?: readonly DeliverProps[];
  readonly preventRevoke?: boolean;
}

export interface KeyPlanProps {
  /** Who manages these keys (keys.yaml `ownership:`); a plan touches only keys of its own ownership. Default `default`. */
  readonly ownership?: string;
  readonly policy?: PolicyProps;
  /** Where synth() writes keys.yaml. Default: $KEYPLAN_OUTDIR, else `keyplan.out`. */
  readonly outdir?: string;
  /** The directory relative provider and deliver paths are relative to. Default: the working directory. */
  readonly projectDir?: string;
}
