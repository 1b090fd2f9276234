import type { GitHubClient } from './octokit.js';

/** The login GitHub shows on comments made with the Actions GITHUB_TOKEN. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

/**
 * Who the token acts as, so keyplan edits only comments and issues it wrote itself. A personal or app-user
 * token answers GET /user; the Actions GITHUB_TOKEN (an installation token) may not, and writes as
 * github-actions[bot].
 */
export async function tokenLogin(client: GitHubClient): Promise<string> {
  try {
    const { data } = await client.octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (status === 403 || status === 404) return ACTIONS_BOT_LOGIN;
    throw error;
  }
}
