import { KeyplanError } from '../core/errors.js';
import type { Plan, PlanProblem, PlannedAction } from '../core/plan-types.js';
import { GITHUB_TOKEN_VARS, githubToken, type Env } from '../github/token.js';

/** Where new secrets may go in this run: the `--secrets-out` file, and the environment (a GitHub token). */
export interface SecretDestinations {
  secretsOut?: string | undefined;
  env: Env;
}

/**
 * The new secrets of a plan that would have nowhere to go: a key with no `deliver:` and no --secrets-out, or
 * a GitHub delivery with no token to authenticate it. Each is a plan problem naming the fix, so `plan` reports
 * what `apply` would refuse, and apply never creates a key whose secret it would have to drop.
 */
export function secretDestinationProblems(plan: Plan, { secretsOut, env }: SecretDestinations): PlanProblem[] {
  const creating = plan.providers.flatMap((p) => p.actions).filter((a) => a.kind === 'create' || a.kind === 'rotate' || a.kind === 'finish');
  const hasGitHubToken = githubToken(env) !== undefined;
  const problems: PlanProblem[] = [];
  for (const action of creating) {
    const deliver = action.desired?.deliver ?? [];
    if (deliver.length === 0 && !secretsOut) {
      problems.push(problem(action, 'gets a new secret with nowhere to deliver it: add a `deliver:` target to the key, or pass --secrets-out FILE'));
    } else if (!hasGitHubToken && deliver.some((d) => d.type === 'github-secret')) {
      problems.push(
        problem(
          action,
          `delivers to a GitHub Actions secret, but no GitHub token is set: set ${GITHUB_TOKEN_VARS.join(' or ')} to a token that may write the repository's Actions secrets`,
          'deliver',
        ),
      );
    }
  }
  return problems;
}

/** The plan with each provider's secret-destination problems added. */
export function withSecretDestinationProblems(plan: Plan, destinations: SecretDestinations): Plan {
  const problems = secretDestinationProblems(plan, destinations);
  if (problems.length === 0) return plan;
  return { ...plan, providers: plan.providers.map((p) => ({ ...p, problems: [...p.problems, ...problems.filter((x) => x.provider === p.provider)] })) };
}

/** For a saved plan: refuses, before anything changes, one whose new secrets would have nowhere to go. */
export function checkSecretDestinations(plan: Plan, secretsOut: string | undefined, env: Env): void {
  const problems = secretDestinationProblems(plan, { secretsOut, env });
  if (problems.length > 0) throw new KeyplanError(`${problems.map((p) => `${p.provider}/${p.name} ${p.message}`).join('; ')}. Nothing was changed.`);
}

function problem(action: PlannedAction, message: string, field?: 'deliver'): PlanProblem {
  const source = (field && action.desired?.fields?.[field]) ?? action.desired?.source;
  return { provider: action.provider, name: action.name, message, ...(action.desired ? { desired: action.desired } : {}), ...(source ? { source } : {}) };
}
