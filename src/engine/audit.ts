import { resolve } from 'node:path';
import { auditKeys, type AuditReport } from '../core/audit.js';
import { proposeRemovals, type KeptKey } from '../core/audit-propose.js';
import type { DesiredState } from '../core/model.js';
import { displayPath } from '../io/display-path.js';
import { loadConfig } from '../io/load-config.js';
import type { AppliedEdit, KeyEdit, SkippedKey } from '../io/propose-edits.js';
import type { OpenProviderOptions } from '../providers/index.js';
import { readSnapshots, selectProviderNames, withProviders } from './providers.js';

export interface AuditRequest {
  configPath: string;
  provider?: string;
  /** The real clock: absolute expiry dates in the config are checked against it. */
  now: number;
  /** The moment the keys are judged at (`--as-of`). */
  asOf: number;
  providerOptions: OpenProviderOptions;
  cwd?: string;
}

export interface AuditOutcome {
  state: DesiredState;
  report: AuditReport;
}

/** Loads the config, reads every selected provider's keys and roles, and judges each live key. */
export async function auditFromConfig(request: AuditRequest): Promise<AuditOutcome> {
  const cwd = request.cwd ?? process.cwd();
  const state = await loadConfig(request.configPath, { now: request.now, cwd });
  const names = selectProviderNames(state, request.provider);
  const snapshots = await withProviders(state, names, request.providerOptions, readSnapshots);
  const rootFile = displayPath(state.files[0] ?? resolve(cwd, request.configPath), cwd);
  const report = auditKeys({ desiredKeys: state.keys, policy: state.policy, rootFile, snapshots, asOf: request.asOf, ownership: state.ownership });
  return { state, report };
}

export interface ProposeOutcome {
  applied: AppliedEdit[];
  /** Keys that needed a change but carry prevent_revoke. */
  skipped: SkippedKey[];
}

/**
 * `audit --propose`: first the expiries policy requires (read from the files, so a config that does not
 * load for lack of them is fixed), then removes the declared keys the audit finds stale or never used.
 */
export async function proposeFromConfig(request: AuditRequest): Promise<ProposeOutcome> {
  const cwd = request.cwd ?? process.cwd();
  // Loaded only here: the YAML editor (and the `yaml` library under it) is no part of a plain audit's start.
  const { applyKeyEdits, proposeMissingExpiries } = await import('../io/propose-edits.js');
  const expiries = await proposeMissingExpiries(request.configPath, cwd);
  const applied = await applyKeyEdits(expiries.edits, cwd);
  const { report } = await auditFromConfig(request);
  const { remove, kept } = proposeRemovals(report);
  const removals: KeyEdit[] = remove.map(({ desired, reason }) => ({
    kind: 'remove',
    at: { file: resolve(cwd, desired.source.file), line: desired.source.line, name: desired.name },
    reason,
  }));
  applied.push(...(await applyKeyEdits(removals, cwd)));
  return { applied, skipped: [...expiries.skipped, ...kept.map(skippedFrom)] };
}

function skippedFrom({ desired, reason }: KeptKey): SkippedKey {
  return { file: desired.source.file, line: desired.source.line, name: desired.name, reason };
}
