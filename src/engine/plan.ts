import { makePlan } from '../core/plan.js';
import type { DesiredState } from '../core/model.js';
import type { Plan } from '../core/plan-types.js';
import type { OpenProviderOptions, Provider } from '../providers/index.js';
import { loadConfigAndList } from './plan-overlap.js';
import { withSecretDestinationProblems, type SecretDestinations } from './apply-preflight.js';
import { readSnapshots, selectProviderNames, withProviders } from './providers.js';

export interface PlanRequest {
  configPath: string;
  provider?: string;
  now: number;
  providerOptions: OpenProviderOptions;
  /** Where new secrets may go (`--secrets-out`, a GitHub token): a new secret with nowhere to go is a problem. */
  destinations?: SecretDestinations;
}

export interface PlanOutcome {
  state: DesiredState;
  plan: Plan;
  /** "local store .keyplan/keys.db", per provider name, for messages. */
  descriptions: Record<string, string>;
}

/** Loads the config, reads the providers, and plans: the read-only half of every command. */
export async function planFromConfig(request: PlanRequest): Promise<PlanOutcome> {
  const { state, read } = await loadConfigAndList(request.configPath, request.provider, request.now, request.providerOptions);
  if (read) return { state, plan: makePlan(state, read.snapshots, request.now), descriptions: read.descriptions };
  const names = selectProviderNames(state, request.provider);
  return withProviders(state, names, request.providerOptions, (providers) => planWith(state, providers, request.now, request.destinations));
}

export async function planWith(state: DesiredState, providers: ReadonlyMap<string, Provider>, now: number, destinations?: SecretDestinations): Promise<PlanOutcome> {
  const snapshots = await readSnapshots(providers);
  const descriptions = Object.fromEntries([...providers].map(([name, p]) => [name, p.description]));
  const plan = makePlan(state, snapshots, now);
  return { state, plan: destinations ? withSecretDestinationProblems(plan, destinations) : plan, descriptions };
}
