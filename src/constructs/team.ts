import { Construct } from 'constructs';
import { brand, hasBrand, TEAM_BRAND } from './brand.js';
import { recordDeclaration } from './declared-at.js';
import { KeyPlanConstructError } from './errors.js';
import { KEY_FIELDS } from './fields.js';
import { propsProblems } from './shape.js';
import type { TeamProps } from './types.js';

/**
 * A group of keys with shared defaults: owner (default: the team's id), provider, consumers, expiry, rotation,
 * deliver, preventRevoke. A key's own value replaces the team's.
 */
export class Team extends Construct {
  /** True for a Team from any copy of keyplan. */
  static isTeam(value: unknown): value is Team {
    return hasBrand(value, TEAM_BRAND);
  }

  /** The defaults this team's keys start from. */
  readonly defaults: TeamProps & { readonly owner: string };

  constructor(scope: Construct, id: string, props: TeamProps = {}) {
    super(scope, id);
    brand(this, TEAM_BRAND);
    recordDeclaration(this, new.target);
    const { name: _name, roles: _roles, description: _description, renamedFrom: _renamedFrom, ...allowed } = KEY_FIELDS;
    const problems = propsProblems(props, allowed);
    if (problems.length > 0) throw new KeyPlanConstructError(`Team ${this.node.path}: ${problems.join('; ')}`, new.target);
    this.defaults = { ...props, owner: props.owner ?? id };
  }
}
