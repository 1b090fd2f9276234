/**
 * Shared end-to-end helpers: spawn the real CLI, run a real `keyplan serve`, put a fault-injecting proxy
 * in front of it, write keys.yaml, and scan every output for every secret. Most tests need only
 * `useWorkspace()`; see workspace.ts for an example.
 * A headless browser (puppeteer-core on Debian's chromium) is in browser.ts, imported from there: loading it costs
 * the tests that need no browser nothing.
 */
export { KEYPLAN_BIN, cleanEnv, describeRun, runCli, startCli, type CliResult, type RunCliOptions, type RunningCli } from './cli.js';
export { FaultProxy, type Fault } from './fault-proxy.js';
export { KeyService, type ApiReply, type CreatedApiKey, type StartKeyServiceOptions } from './key-service.js';
export { httpProvider, keysYaml, type KeysYaml, type KeysYamlKey } from './keys-yaml.js';
export { SecretScanner } from './secrets.js';
export { E2eWorkspace, useWorkspace } from './workspace.js';
export { API_TOKEN_ACTIONS, StrapiServer, useStrapi, type StrapiToken } from './strapi.js';
export { KeystoneServer, ensureKeystone, useKeystone, type KeystoneCredential } from './keystone.js';
export { ContractStandIn, assertNoBreaches, useStandIn, type StandInReply, type StandInRequest } from './contract-stand-in.js';
export { CLOUDFLARE_ACCOUNT, CloudflareStandIn, PERMISSION_GROUPS, type StandInToken } from './cloudflare.js';
export { GitLabStandIn, type GitLabStandInToken } from './gitlab.js';
export { commitAll, git, initRepo } from './git.js';
