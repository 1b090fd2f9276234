import { Construct } from 'constructs';
import { brand, hasBrand, KEY_PLAN_BRAND, PROVIDER_BRAND } from './brand.js';
import { recordDeclaration } from './declared-at.js';
import { KeyPlanConstructError } from './errors.js';
import { propsProblems, providerFieldsOf, schemaProblems } from './shape.js';
import type { ProviderProps } from './types.js';
import { providerToYaml } from './yaml-fields.js';

/** A key service (keys.yaml `providers:`), named by its construct id. Put it directly in a KeyPlan. */
export class Provider extends Construct {
  /** True for a Provider from any copy of keyplan. */
  static isProvider(value: unknown): value is Provider {
    return hasBrand(value, PROVIDER_BRAND);
  }

  /** The provider's name in keys.yaml: its construct id. */
  readonly providerName: string;
  readonly props: ProviderProps;

  constructor(scope: Construct, id: string, props: ProviderProps) {
    super(scope, id);
    brand(this, PROVIDER_BRAND);
    recordDeclaration(this, new.target);
    this.providerName = id;
    this.props = { ...props };
    const problems = hasBrand(scope, KEY_PLAN_BRAND) ? [] : ['a Provider belongs directly in a KeyPlan: new Provider(plan, …)'];
    problems.push(...propsProblems(props, providerFieldsOf(props.type)));
    if (problems.length === 0) problems.push(...schemaProblems({ providers: { [id]: providerToYaml(props) } }, ['providers', id]));
    if (problems.length > 0) throw new KeyPlanConstructError(`Provider ${this.node.path}: ${problems.join('; ')}`, new.target);
  }
}
