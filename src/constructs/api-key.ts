import { Construct } from 'constructs';
import { API_KEY_BRAND, brand, hasBrand, KEY_PLAN_BRAND, nearest, TEAM_BRAND } from './brand.js';
import { recordDeclaration } from './declared-at.js';
import { KeyPlanConstructError } from './errors.js';
import { KEY_FIELDS } from './fields.js';
import { propsProblems, schemaProblems } from './shape.js';
import type { ApiKeyProps, KeyFields, TeamProps } from './types.js';
import { keyToYaml } from './yaml-fields.js';

/** One API key (a keys.yaml `keys:` entry). Its name defaults to the construct id. Put it in a Team or a KeyPlan. */
export class ApiKey extends Construct {
  /** True for an ApiKey from any copy of keyplan. */
  static isApiKey(value: unknown): value is ApiKey {
    return hasBrand(value, API_KEY_BRAND);
  }

  /** The key's name in keys.yaml. */
  readonly keyName: string;
  /** The key's fields after its team's defaults were applied. */
  readonly fields: KeyFields;

  constructor(scope: Construct, id: string, props: ApiKeyProps) {
    super(scope, id);
    brand(this, API_KEY_BRAND);
    recordDeclaration(this, new.target);
    const team = nearest(scope, TEAM_BRAND) as { defaults: TeamProps } | undefined;
    this.fields = { ...team?.defaults, ...definedOnly(props), name: props.name ?? id } as KeyFields;
    this.keyName = this.fields.name ?? id;
    const problems = nearest(scope, KEY_PLAN_BRAND) ? [] : ['an ApiKey belongs in a KeyPlan or in a Team inside one'];
    problems.push(...propsProblems(props, KEY_FIELDS));
    if (problems.length === 0) problems.push(...schemaProblems({ keys: [keyToYaml(this.fields)] }, ['keys', 0]));
    if (problems.length > 0) throw new KeyPlanConstructError(`ApiKey ${this.node.path}: ${problems.join('; ')}`, new.target);
  }
}

function definedOnly<T extends object>(props: T): Partial<T> {
  return Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined)) as Partial<T>;
}
