import type { ConfigIssue } from './errors.js';
import type { DesiredState, EpochMillis } from './model.js';
import type { SourceDocument } from './config-source.js';
import { IssueList } from './config-values.js';
import { normalizeOwnership, normalizePolicy, normalizeProviders, normalizeRelease, normalizeStateDir, type ProviderNormalizer } from './config-policy.js';
import { normalizeKeys } from './config-keys.js';
import { attachProviderFields } from './config-provider-fields.js';
import { assignProviders, checkDeliverConflicts, checkDuplicateNames, checkExpiryPolicy, checkReleased, checkRenames } from './config-checks.js';

export type { SourceDocument, NodePath, NodePart } from './config-source.js';
export type { ProviderNormalizeContext, ProviderNormalizer } from './config-policy.js';

export interface NormalizeInput {
  /** The root config file. */
  root: SourceDocument;
  /** Files pulled in by the root's `include:`, in a stable order. */
  includes: readonly SourceDocument[];
  /** Directory of the root file (absolute): relative provider and deliver paths resolve against it. */
  baseDir: string;
  /** For checks of absolute expiry dates against policy.max_lifetime. */
  now: EpochMillis;
  /** How each provider type's options normalize, by type (src/providers/normalizers.ts). */
  providerTypes: Readonly<Record<string, ProviderNormalizer>>;
}

export type NormalizeResult = { ok: true; state: DesiredState } | { ok: false; issues: ConfigIssue[] };

/**
 * The written config (already parsed, and checked against the JSON Schema by the caller) -> DesiredState,
 * plus every check the schema cannot express. Tolerates malformed nodes: it skips what the schema reports,
 * so one run finds every issue.
 */
export function normalizeConfig(input: NormalizeInput): NormalizeResult {
  const { root, includes, baseDir, now } = input;
  const issues = new IssueList();
  const { providers, declaredNames } = normalizeProviders(root, baseDir, issues, input.providerTypes);
  const policy = normalizePolicy(root, issues);
  const entries = [root, ...includes].flatMap((doc) => normalizeKeys(doc, baseDir, issues));
  assignProviders(entries, declaredNames, issues);
  attachProviderFields(entries, providers, Object.keys(input.providerTypes), issues);
  checkDuplicateNames(entries, issues);
  checkRenames(entries, issues);
  checkExpiryPolicy(entries, policy, now, issues);
  checkDeliverConflicts(entries, issues);
  const release = normalizeRelease(root);
  checkReleased(root, release, entries, issues);
  const stateDir = normalizeStateDir(root, baseDir);
  if (issues.items.length > 0) return { ok: false, issues: issues.items };
  return {
    ok: true,
    state: {
      files: [root.path, ...includes.map((doc) => doc.path)],
      providers,
      policy,
      ownership: normalizeOwnership(root),
      keys: entries.map((entry) => entry.key),
      ...(release.length > 0 ? { release } : {}),
      ...(stateDir ? { stateDir } : {}),
    },
  };
}
