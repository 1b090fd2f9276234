/**
 * keyplan/constructs: declare API keys in TypeScript and synthesize keys.yaml.
 * `constructs` (^10) is a peer dependency: the program installs it once, beside keyplan.
 */
export { KeyPlan } from './key-plan.js';
export { Provider } from './provider.js';
export { Team } from './team.js';
export { ApiKey } from './api-key.js';
export { KeyPlanConstructError, KeyPlanSynthError } from './errors.js';
export type * from './types.js';
