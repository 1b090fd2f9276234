/** GitHub's REST contract, from GitHub's own OpenAPI description (`@octokit/openapi`, api.github.com), loaded once. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { OpenApiContract } from '../e2e/helpers/openapi-contract.js';

export type { MatchedOperation } from '../e2e/helpers/openapi-contract.js';

let loaded: OpenApiContract | undefined;

export const GitHubContract = {
  load(): OpenApiContract {
    const require = createRequire(import.meta.url);
    loaded ??= new OpenApiContract(JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as Record<string, unknown>);
    return loaded;
  },
};
