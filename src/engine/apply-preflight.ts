import { KeyplanError } from '../core/errors.js';
import type { Plan } from '../core/plan-types.js';
import { GITHUB_TOKEN_VARS, githubToken, type Env } from '../github/octokit.js';

/**
 * Refuses, before anything changes, a plan whose new secrets would have nowhere to go: apply never
 * creates a key whose secret it would have to drop, nor one whose GitHub delivery cannot even authenticate.
 */
export function checkSecretDestinations(plan: Plan, secretsOut: string | undefined, env: Env): void {
  const creating = plan.providers.flatMap((p) => p.actions).filter((a) => a.kind === 'create' || a.kind === 'rotate' || a.kind === 'finish');
  const homeless = creating.filter((a) => !secretsOut && (a.desired?.deliver.length ?? 0) === 0);
  if (homeless.length > 0) {
    throw new KeyplanError(
      `${homeless.map((a) => `${a.provider}/${a.name}`).join(', ')} would get a new secret with nowhere to deliver it. ` +
        'Add a `deliver:` target to the key, or pass --secrets-out FILE. Nothing was changed.',
    );
  }
  const github = creating.filter((a) => a.desired?.deliver.some((d) => d.type === 'github-secret'));
  if (github.length > 0 && !githubToken(env)) {
    throw new KeyplanError(
      `${github.map((a) => `${a.provider}/${a.name}`).join(', ')} deliver to a GitHub Actions secret, but no GitHub token is set. ` +
        `Set ${GITHUB_TOKEN_VARS.join(' or ')} to a token that may write the repository's Actions secrets. Nothing was changed.`,
    );
  }
}
