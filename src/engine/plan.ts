import { makePlan } from '../core/plan.js';
import type { DesiredState } from '../core/model.js';
import type { Plan } from '../core/plan-types.js';
import type { UnfinishedCreate } from '../core/unfinished.js';
import type { OpenProviderOptions, Provider } from '../providers/index.js';
import { openJournal } from './journal.js';
import { stateDirOf } from './state-dir.js';
import { fileSinkProblems } from './sink-checks.js';
import { loadConfigAndList } from './plan-overlap.js';
import { withSecretDestinationProblems, type SecretDestinations } from './apply-preflight.js';
import { readSnapshots, selectProviderNames, withProviders } from './providers.js';

export interface PlanRequest {
  configPath: string;
  provider?: string;
  now: number;
  providerOptions: OpenProviderOptions;
  /** An --app program's project directory, where its .keyplan/ journal lives. */
  projectDir?: string;
  /** Where new secrets may go (`--secrets-out`, a GitHub token): a new secret with nowhere to go is a problem. */
  destinations?: SecretDestinations;
}

export interface PlanOutcome {
  state: DesiredState;
  plan: Plan;
  /** "local store .keyplan/keys.db", per provider name, for messages. */
  descriptions: Record<string, string>;
}

/** Loads the config, reads the providers and the journal of interrupted applies, and plans: the read-only half of every command. */
export async function planFromConfig(request: PlanRequest): Promise<PlanOutcome> {
  const { state, read } = await loadConfigAndList(request.configPath, request.provider, request.now, request.providerOptions);
  if (read) {
    const unfinished = (await openJournal(stateDirOf(state, request.providerOptions.env, request.projectDir))).pending();
    return { state, plan: await withDestinations(makePlan(state, read.snapshots, request.now, unfinished), request.destinations), descriptions: read.descriptions };
  }
  const names = selectProviderNames(state, request.provider);
  return withProviders(state, names, request.providerOptions, (providers) =>
    planWith(state, providers, request.now, { stateDir: stateDirOf(state, request.providerOptions.env, request.projectDir), destinations: request.destinations }),
  );
}

export interface PlanWithOptions {
  /** The journal's leftover work when the caller has the journal open; else it is read from `stateDir`. */
  unfinished?: readonly UnfinishedCreate[];
  stateDir?: string;
  /** Where new secrets may go (`--secrets-out`, a GitHub token): a new secret with nowhere to go is a problem. */
  destinations?: SecretDestinations;
}

export async function planWith(state: DesiredState, providers: ReadonlyMap<string, Provider>, now: number, options: PlanWithOptions = {}): Promise<PlanOutcome> {
  const [snapshots, pending] = await Promise.all([readSnapshots(providers), options.unfinished ?? (await openJournal(options.stateDir ?? stateDirOf(state, {}))).pending()]);
  const descriptions = Object.fromEntries([...providers].map(([name, p]) => [name, p.description]));
  return { state, plan: await withDestinations(makePlan(state, snapshots, now, pending), options.destinations), descriptions };
}

async function withDestinations(plan: Plan, destinations: SecretDestinations | undefined): Promise<Plan> {
  if (!destinations) return plan;
  const checked = withSecretDestinationProblems(plan, destinations);
  const unwritable = await fileSinkProblems(checked, destinations.secretsOut);
  if (unwritable.length === 0) return checked;
  return { ...checked, providers: checked.providers.map((p) => ({ ...p, problems: [...p.problems, ...unwritable.filter((x) => x.provider === p.provider)] })) };
}

/** The root keys.yaml, as an absolute path. */
export function rootFileOf(state: DesiredState): string {
  const root = state.files[0];
  if (root === undefined) throw new Error('a loaded config names its root file');
  return root;
}
