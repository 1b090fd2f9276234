import type { IConstruct } from 'constructs';

/**
 * Brands instead of `instanceof`: a program may load two copies of keyplan (or of constructs), and an
 * `instanceof` check across copies fails. Symbol.for is shared by every copy in the process (cdk8s does the same).
 */
export const KEY_PLAN_BRAND = Symbol.for('keyplan/KeyPlan');
export const PROVIDER_BRAND = Symbol.for('keyplan/Provider');
export const TEAM_BRAND = Symbol.for('keyplan/Team');
export const API_KEY_BRAND = Symbol.for('keyplan/ApiKey');

/** cdktf and cdktn mark their stacks and apps with these; keyplan reads them without importing either. */
export const TERRAFORM_STACK_BRAND = Symbol.for('cdktf/TerraformStack');
export const TERRAFORM_APP_BRAND = Symbol.for('cdktf/App');
export const CUSTOM_SYNTHESIS = Symbol.for('cdktf/customSynthesis');

export function brand(target: object, symbol: symbol): void {
  Object.defineProperty(target, symbol, { value: true, enumerable: false });
}

export function hasBrand(value: unknown, symbol: symbol): boolean {
  return typeof value === 'object' && value !== null && symbol in value;
}

/** The construct itself or its closest ancestor carrying `symbol`. */
export function nearest(scope: IConstruct | undefined, symbol: symbol): IConstruct | undefined {
  for (let current: IConstruct | undefined = scope; current; current = current.node.scope) {
    if (hasBrand(current, symbol)) return current;
  }
  return undefined;
}
