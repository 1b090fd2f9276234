import { join } from 'node:path';
import type { ActionOutcome } from '../core/apply-outcome.js';
import { KeyplanError, UnsafePlanError } from '../core/errors.js';
import { remoteFingerprint } from '../core/fingerprint.js';
import type { DesiredState } from '../core/model.js';
import { hasChanges } from '../core/plan.js';
import type { Plan } from '../core/plan-types.js';
import { refreshDependencyWarnings } from '../core/refresh.js';
import { checkGates, type GateRefusal } from '../core/safety.js';
import { displayPath } from '../io/display-path.js';
import { loadConfig } from '../io/load-config.js';
import type { OpenProviderOptions, Provider } from '../providers/index.js';
import { applyPlan, type ApplyContext } from './apply.js';
import { checkSecretDestinations } from './apply-preflight.js';
import { SecretDelivery } from './deliver.js';
import { openJournal, type Journal } from './journal.js';
import { lockApply } from './apply-lock.js';
import { runText, takeLeases } from './apply-lease.js';
import { stateDirOf } from './state-dir.js';
import { readPlanFile } from './plan-file.js';
import { planWith } from './plan.js';
import { readSnapshots, selectProviderNames, withProviders } from './providers.js';

export interface ApplyRequest {
  /** keys.yaml; for a saved plan, the config the plan file names is used instead. */
  configPath: string;
  /** Apply exactly this saved plan (`keyplan plan --out`). */
  planFile?: string;
  /** configPath was synthesized by an --app program: use it even for a saved plan (whose config file was temporary). */
  synthesized?: boolean;
  /** Where .keyplan/ (journal, recovery files) lives; default: beside the config file. */
  projectDir?: string;
  provider?: string;
  parallelism: number;
  secretsOut?: string;
  allowInUse: boolean;
  force: boolean;
  /** The environment: provider tokens and the GitHub token. */
  env: OpenProviderOptions['env'];
  /** The one clock reading of the run: config checks, the plan, warnings and overlaps all use it. */
  now: number;
  /** Aborted on Ctrl-C / SIGTERM: no new action starts; running ones finish and are recorded. */
  signal?: AbortSignal;
  /** How long to wait for another apply's lock or lease (0: refuse at once). */
  lockTimeoutMs?: number;
}

/** What the caller (the CLI) shows and asks; the engine decides and acts. */
export interface ApplyHooks {
  /** A line of progress ("finishing an interrupted apply first"). */
  log(line: string): void;
  /** The plan about to be carried out, before any gate or question. */
  showPlan(plan: Plan, describeProvider: (name: string) => string): void;
  /** An in-use revoke a person may allow at the terminal; true: go ahead with it. */
  overrideGate(refusal: GateRefusal): Promise<boolean>;
  /** Asked once before anything changes; false: cancelled, nothing changed. May throw to refuse. */
  approve(): Promise<boolean>;
  /** The actions are about to start. */
  started(total: number): void;
  /** Each action as it settles. */
  onOutcome(outcome: ActionOutcome): void;
}

/** `interrupted`: a signal arrived while the actions ran (those not yet started were not). */
export type ApplyStatus = 'no-changes' | 'cancelled' | 'applied' | 'interrupted';

export interface ApplyResult {
  status: ApplyStatus;
  /** Everything done or attempted, in order; empty when cancelled. */
  outcomes: ActionOutcome[];
}

/** `keyplan apply [PLANFILE]`: loads, plans (or checks the saved plan), passes the gates, asks, and applies. */
export async function runApply(request: ApplyRequest, hooks: ApplyHooks): Promise<ApplyResult> {
  const saved = request.planFile ? await readPlanFile(request.planFile) : undefined;
  const configPath = saved && !request.synthesized ? saved.config_path : request.configPath;
  const state = await loadConfig(configPath, { now: request.now });
  const names = saved ? saved.plan.providers.map((p) => p.provider) : selectProviderNames(state, request.provider);
  return withProviders(state, names, { env: request.env }, (providers) => applyWith({ state, providers, saved: saved?.plan }, request, hooks));
}

interface Loaded {
  state: DesiredState;
  providers: ReadonlyMap<string, Provider>;
  saved: Plan | undefined;
}

async function applyWith(loaded: Loaded, request: ApplyRequest, hooks: ApplyHooks): Promise<ApplyResult> {
  const stateDir = stateDirOf(loaded.state, request.env, request.projectDir);
  // One apply at a time per configuration (its state directory), and per ownership at every key service
  // that holds leases: the plan is read only once both are held, so it sees what an earlier apply did.
  const lock = await lockApply(stateDir, request.lockTimeoutMs ?? 0, request.now, (line) => hooks.log(line));
  try {
    const leases = await takeLeases(loaded.providers, loaded.state.ownership, lock.holder, { timeoutMs: request.lockTimeoutMs ?? 0, run: runText(request.env) });
    try {
      const signal = request.signal ? AbortSignal.any([request.signal, leases.lost]) : leases.lost;
      leases.lost.addEventListener('abort', () => hooks.log(`${leases.lostReason() ?? 'the apply lease was lost'}: no further action starts`));
      // After waiting for another apply, the plan is made as of now, not as of the start.
      const now = (request.lockTimeoutMs ?? 0) > 0 ? Math.max(request.now, Date.now()) : request.now;
      return await applyLocked(loaded, { ...request, signal, now }, hooks, stateDir);
    } finally {
      await leases.release();
    }
  } finally {
    await lock.release();
  }
}

async function applyLocked({ state, providers, saved }: Loaded, request: ApplyRequest, hooks: ApplyHooks, stateDir: string): Promise<ApplyResult> {
  const journal = await openJournal(stateDir);
  const ctx: ApplyContext = {
    providers,
    journal,
    delivery: new SecretDelivery(join(stateDir, `recovery-${new Date(request.now).toISOString().replace(/[:.]/g, '-')}.env`)),
    parallelism: request.parallelism,
    ...(request.secretsOut ? { secretsOut: request.secretsOut } : {}),
    now: request.now,
    onOutcome: (outcome) => hooks.onOutcome(outcome),
    ...(request.signal ? { signal: request.signal } : {}),
    marksDelivery: await providersMarkingDelivery(providers),
  };

  // What interrupted applies left in the journal is part of the plan, shown and confirmed like any change.
  const plan = saved
    ? await checkSavedPlan(saved, state, providers, journal, request.now)
    : (await planWith(state, providers, request.now, { unfinished: journal.pending(), destinations: { secretsOut: request.secretsOut, env: request.env } })).plan;
  hooks.showPlan(plan, (name) => providers.get(name)?.description ?? name);
  if (plan.providers.some((p) => p.problems.length > 0)) throw new KeyplanError('the plan has problems (above); fix them and run apply again. Nothing was changed.');
  if (!hasChanges(plan)) {
    // Records of creates that never happened, for keys no longer declared: letting go changes no key.
    return { status: 'no-changes', outcomes: await applyPlan(plan, ctx) };
  }

  checkSecretDestinations(plan, request.secretsOut, request.env);
  await passGates(checkGates(plan, { allowInUse: request.allowInUse, force: request.force }), hooks);
  if (!(await hooks.approve())) return { status: 'cancelled', outcomes: [] };
  if (request.signal?.aborted) return { status: 'interrupted', outcomes: [] };
  hooks.started(plan.providers.reduce((n, p) => n + p.actions.length, 0));
  const outcomes = await applyPlan(plan, ctx);
  return { status: request.signal?.aborted ? 'interrupted' : 'applied', outcomes };
}

/** The providers that can carry a pending-delivery mark on a key (editable metadata). */
async function providersMarkingDelivery(providers: ReadonlyMap<string, Provider>): Promise<Set<string>> {
  const names = await Promise.all(
    [...providers].map(async ([name, provider]) => {
      const capabilities = await provider.capabilities();
      return capabilities.metadata && capabilities.editableFields.includes('metadata') ? name : undefined;
    }),
  );
  return new Set(names.filter((name): name is string => name !== undefined));
}

/** In-use revokes may be allowed one by one by a person; every other refusal stops the apply (exit 3). */
async function passGates(refusals: GateRefusal[], hooks: ApplyHooks): Promise<void> {
  const remaining: GateRefusal[] = [];
  for (const refusal of refusals) {
    if (refusal.gate === 'allow-in-use' && refusal.keyName && (await hooks.overrideGate(refusal))) continue;
    remaining.push(refusal);
  }
  if (remaining.length > 0) {
    throw new UnsafePlanError(`apply refused; nothing was changed:\n${remaining.map((r) => `  - ${r.message}`).join('\n')}`);
  }
}

/**
 * A saved plan applies only to the remote keys and the journal it was made from; its use warnings are
 * judged afresh.
 */
async function checkSavedPlan(plan: Plan, state: DesiredState, providers: ReadonlyMap<string, Provider>, journal: Journal, now: number): Promise<Plan> {
  const planned = new Set(plan.providers.flatMap((p) => [...p.droppedJournal.map((d) => d.journalKey), ...p.actions.flatMap((a) => (a.kind === 'finish' ? [a.journalKey] : []))]));
  const recorded = journal.pending().filter((entry) => providers.has(entry.provider));
  if (recorded.length !== planned.size || recorded.some((entry) => !planned.has(entry.idempotencyKey))) {
    throw new KeyplanError(`the saved plan is stale: an apply ran since it was made (${displayPath(journal.path)} changed). Run keyplan plan again. Nothing was changed.`);
  }
  const snapshots = await readSnapshots(providers);
  for (const providerPlan of plan.providers) {
    const fresh = snapshots[providerPlan.provider];
    if (!fresh || remoteFingerprint(fresh.keys) !== providerPlan.remoteFingerprint) {
      throw new KeyplanError(
        `the saved plan is stale: the keys at provider ${providerPlan.provider} changed since it was made. Run keyplan plan again. Nothing was changed.`,
      );
    }
  }
  const latest = new Map(Object.values(snapshots).flatMap((s) => s.keys.map((k) => [k.id, k] as const)));
  return refreshDependencyWarnings(plan, latest, state.policy, now);
}
