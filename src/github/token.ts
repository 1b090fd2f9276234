// Where a GitHub token and API are found: no Octokit here, so commands that only check for a token load none.

/** The environment, passed in so callers (and tests) decide where configuration comes from. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Where a GitHub token is read from, first set wins. */
export const GITHUB_TOKEN_VARS = ['GITHUB_TOKEN', 'GH_TOKEN'] as const;
/** github.com; GitHub Enterprise Server sets GITHUB_API_URL (Actions does so itself), e.g. https://ghe.example.com/api/v3. */
export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

export interface GitHubToken {
  variable: (typeof GITHUB_TOKEN_VARS)[number];
  value: string;
}

export function githubToken(env: Env): GitHubToken | undefined {
  for (const variable of GITHUB_TOKEN_VARS) {
    const value = env[variable]?.trim();
    if (value) return { variable, value };
  }
  return undefined;
}

export function githubApiUrl(env: Env): string {
  return (env.GITHUB_API_URL?.trim() || DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
}
