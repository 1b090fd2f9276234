import { PROVIDER_KEY_FIELD_NAMES } from './provider-props.js';
import type { FileDeliverProps, GithubSecretDeliverProps, KeyFields, PolicyProps, RotationProps } from './types.js';

export { PROVIDER_FIELDS, PROVIDER_KEY_FIELDS } from './provider-props.js';

/** camelCase prop -> keys.yaml property, for every field of a props type (the compiler checks completeness). */
type FieldMap<T> = { readonly [K in keyof Required<T>]: string };

export const KEY_FIELDS = {
  name: 'name',
  description: 'description',
  roles: 'roles',
  expires: 'expires',
  owner: 'owner',
  consumers: 'consumers',
  provider: 'provider',
  renamedFrom: 'renamed_from',
  rotation: 'rotation',
  deliver: 'deliver',
  preventRevoke: 'prevent_revoke',
  takeOver: 'take_over',
  ...PROVIDER_KEY_FIELD_NAMES,
} as const satisfies FieldMap<KeyFields>;

export const POLICY_FIELDS = {
  staleAfter: 'stale_after',
  unusedGrace: 'unused_grace',
  inUseWindow: 'in_use_window',
  expiryWarning: 'expiry_warning',
  maxLifetime: 'max_lifetime',
  requireExpiryFor: 'require_expiry_for',
  prune: 'prune',
  maxChangeFraction: 'max_change_fraction',
  minKeysForThreshold: 'min_keys_for_threshold',
} as const satisfies FieldMap<PolicyProps>;

export const ROTATION_FIELDS = { every: 'every', beforeExpiry: 'before_expiry', overlap: 'overlap' } as const satisfies FieldMap<RotationProps>;

export const DELIVER_FIELDS = {
  file: { type: 'type', path: 'path', format: 'format', var: 'var' } satisfies FieldMap<FileDeliverProps>,
  'github-secret': { type: 'type', repo: 'repo', name: 'name', environment: 'environment' } satisfies FieldMap<GithubSecretDeliverProps>,
} as const;

/**
 * keys.yaml root properties and how a KeyPlan provides them. Every root property of the schema must be listed
 * (test/constructs/fields.test.ts), so a new one cannot be forgotten here.
 */
export const ROOT_FIELDS = {
  version: 'always 1',
  ownership: 'KeyPlan ownership',
  providers: 'Provider constructs',
  policy: 'KeyPlan policy',
  keys: 'ApiKey constructs',
  include: 'not offered: a program composes its keys itself (import modules, loop)',
  state_dir: 'not offered: where a pipeline keeps keyplan state is its runner\'s business (KEYPLAN_STATE_DIR)',
  release: 'not offered: letting go of a key without revoking it is a reviewed edit of keys.yaml',
} as const;

/** A camelCase props object -> its keys.yaml mapping, in the schema's order; undefined values are dropped. */
export function toYamlFields(props: object, fields: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const record = props as Record<string, unknown>;
  for (const [prop, name] of Object.entries(fields)) if (record[prop] !== undefined) out[name] = record[prop];
  for (const [prop, value] of Object.entries(record)) if (!(prop in fields) && value !== undefined) out[prop] = value;
  return out;
}

/** keys.yaml property -> camelCase prop, for messages. */
export function propName(yamlName: string): string {
  return yamlName.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
