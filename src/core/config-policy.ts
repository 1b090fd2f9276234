import { DEFAULT_OWNERSHIP, DEFAULT_POLICY, type Policy, type ProviderConfig } from './model.js';
import { asRecord, asString, asStringList, type NodePath, type SourceDocument } from './config-source.js';
import { readDuration, type IssueList } from './config-values.js';
import { resolveFrom } from './config-paths.js';

/** The provider implied when a config declares none: the embedded local store. */
export const DEFAULT_PROVIDER_NAME = 'default';
export const DEFAULT_LOCAL_PATH = '.keyplan/keys.db';

export interface ProviderNormalizeContext {
  /** The provider's name in keys.yaml. */
  name: string;
  /** Its entry as written (the schema has already reported what is malformed). */
  entry: Record<string, unknown>;
  doc: SourceDocument;
  /** Where the entry is: ['providers', name]. */
  path: NodePath;
  /** Directory of the root config file: relative paths resolve against it. */
  baseDir: string;
  issues: IssueList;
}

/** A provider type's normalization of its options; undefined when they are unusable (an issue says why). Pure. */
export type ProviderNormalizer = (ctx: ProviderNormalizeContext) => Record<string, unknown> | undefined;

export interface ProvidersResult {
  providers: Record<string, ProviderConfig>;
  /** Every name written under `providers:`, valid entry or not: keys may name them without a second error. */
  declaredNames: string[];
}

/** The top-level `ownership:` (its form is the schema's to check). */
export function normalizeOwnership(root: SourceDocument): string {
  return asString(asRecord(root.data)?.ownership) ?? DEFAULT_OWNERSHIP;
}

/** The top-level `state_dir:`, absolute (against the root file's directory); undefined when not written. */
export function normalizeStateDir(root: SourceDocument, baseDir: string): string | undefined {
  const written = asString(asRecord(root.data)?.state_dir);
  return written === undefined || written === '' ? undefined : resolveFrom(baseDir, written);
}

/** The top-level `release:` list: names of keys let go of without a revoke. */
export function normalizeRelease(root: SourceDocument): string[] {
  return asStringList(asRecord(root.data)?.release);
}

export function normalizeProviders(
  root: SourceDocument,
  baseDir: string,
  issues: IssueList,
  normalizers: Readonly<Record<string, ProviderNormalizer>>,
): ProvidersResult {
  const section = asRecord(asRecord(root.data)?.providers);
  if (!section) {
    const source = { file: root.displayPath, line: 1, column: 1 };
    return {
      providers: {
        [DEFAULT_PROVIDER_NAME]: { name: DEFAULT_PROVIDER_NAME, type: 'local', settings: { path: resolveFrom(baseDir, DEFAULT_LOCAL_PATH) }, source },
      },
      declaredNames: [DEFAULT_PROVIDER_NAME],
    };
  }
  const providers: Record<string, ProviderConfig> = {};
  for (const [name, value] of Object.entries(section)) {
    const entry = asRecord(value);
    if (!entry) continue;
    const at = root.locate(['providers', name], 'key');
    const source = { file: root.displayPath, line: at.line, column: at.column };
    const normalize = typeof entry.type === 'string' && Object.hasOwn(normalizers, entry.type) ? normalizers[entry.type] : undefined;
    const settings = normalize?.({ name, entry, doc: root, path: ['providers', name], baseDir, issues });
    if (settings) providers[name] = { name, type: entry.type as string, settings, source };
  }
  return { providers, declaredNames: Object.keys(section) };
}

export function normalizePolicy(root: SourceDocument, issues: IssueList): Policy {
  const section = asRecord(asRecord(root.data)?.policy) ?? {};
  const duration = (field: string, fallback: number): number =>
    readDuration(root, ['policy', field], section[field], issues) ?? fallback;
  const maxLifetime = section.max_lifetime;
  return {
    staleAfterMs: duration('stale_after', DEFAULT_POLICY.staleAfterMs),
    unusedGraceMs: duration('unused_grace', DEFAULT_POLICY.unusedGraceMs),
    inUseWindowMs: duration('in_use_window', DEFAULT_POLICY.inUseWindowMs),
    expiryWarningMs: duration('expiry_warning', DEFAULT_POLICY.expiryWarningMs),
    maxLifetimeMs:
      maxLifetime === 'never'
        ? null
        : (readDuration(root, ['policy', 'max_lifetime'], maxLifetime, issues) ?? DEFAULT_POLICY.maxLifetimeMs),
    requireExpiryFor: Array.isArray(section.require_expiry_for)
      ? asStringList(section.require_expiry_for)
      : [...DEFAULT_POLICY.requireExpiryFor],
    prune: typeof section.prune === 'boolean' ? section.prune : DEFAULT_POLICY.prune,
    maxChangeFraction: fractionOr(section.max_change_fraction, DEFAULT_POLICY.maxChangeFraction),
    minKeysForThreshold:
      Number.isInteger(section.min_keys_for_threshold) && (section.min_keys_for_threshold as number) >= 0
        ? (section.min_keys_for_threshold as number)
        : DEFAULT_POLICY.minKeysForThreshold,
  };
}

function fractionOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && value >= 0 && value <= 1 ? value : fallback;
}
