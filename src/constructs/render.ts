import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IConstruct } from 'constructs';
import { normalizeConfig } from '../core/config.js';
import { BUILT_IN_NORMALIZERS } from '../providers/normalizers.js';
import type { ConfigIssue } from '../core/errors.js';
import { displayPath } from '../io/display-path.js';
import { schemaIssues, schemaValidators } from '../io/schema-validator.js';
import { programPositions, type ProgramPositions } from '../io/program-positions.js';
import { parseYamlSource } from '../io/yaml-source.js';
import { API_KEY_BRAND, hasBrand, KEY_PLAN_BRAND, PROVIDER_BRAND } from './brand.js';
import { constructComment, constructPathAt, SYNTHESIZED_HEADER } from './construct-comments.js';
import { declarationOf } from './declared-at.js';
import { Commented, emitYaml } from './emit-yaml.js';
import type { KeyFields, PolicyProps, ProviderProps } from './types.js';
import { keyToYaml, policyToYaml, providerToYaml, type PathBase } from './yaml-fields.js';
import { appendAll } from '../core/append.js';

const SCHEMA_FILE = fileURLToPath(new URL('../../schema/keys.schema.json', import.meta.url));

/** The embedded default provider keys.yaml implies when it declares none, spelled out so its path is rebased. */
const DEFAULT_PROVIDER: ProviderProps = { type: 'local', path: '.keyplan/keys.db' };

export interface RenderInput {
  plan: IConstruct;
  ownership?: string | undefined;
  policy?: PolicyProps;
  paths: PathBase;
  now: number;
}

export interface Rendered {
  /** The keys.yaml text. */
  text: string;
  /** Where it goes: outDir/keys.yaml. */
  file: string;
  /** Every rule the tree breaks, each starting with a construct path; empty when valid. */
  problems: string[];
}

/**
 * The KeyPlan's tree -> keys.yaml text, checked by the same schema and normalization `keyplan validate` runs,
 * with each problem named by the construct that caused it.
 */
export function renderKeyPlan({ plan, ownership, policy, paths, now }: RenderInput): Rendered {
  const label = (construct: IConstruct): string => relative(plan.node.path, construct.node.path).split('\\').join('/') || plan.node.id;
  const comment = (construct: IConstruct): string => constructComment({ path: label(construct), source: sourceOf(construct, paths.outDir) });
  const own = plan.node.findAll().filter((construct) => construct === plan || ownerPlan(construct) === plan);
  const providers: Record<string, unknown> = {};
  for (const construct of own.filter((c) => hasBrand(c, PROVIDER_BRAND))) {
    const { providerName, props } = construct as unknown as { providerName: string; props: ProviderProps };
    providers[providerName] = new Commented(comment(construct), providerToYaml(props, paths));
  }
  if (Object.keys(providers).length === 0) providers.default = providerToYaml(DEFAULT_PROVIDER, paths);
  const keys = own
    .filter((c) => hasBrand(c, API_KEY_BRAND))
    .map((construct) => new Commented(comment(construct), keyToYaml((construct as unknown as { fields: KeyFields }).fields, paths)));
  const data: Record<string, unknown> = { version: 1, ...(ownership !== undefined ? { ownership } : {}), providers };
  if (policy && Object.keys(policy).length > 0) data.policy = new Commented(comment(plan), policyToYaml(policy));
  data.keys = keys;

  const file = join(paths.outDir, 'keys.yaml');
  const header = [
    `# yaml-language-server: $schema=${relative(paths.outDir, SCHEMA_FILE).split('\\').join('/')}`,
    SYNTHESIZED_HEADER,
    `# ${comment(plan)}`,
  ];
  const text = `${header.join('\n')}\n${emitYaml(data)}`;
  return { text, file, problems: check(text, file, paths.outDir, now, label(plan)) };
}

/** Where the program declared `construct`, its file relative to the output directory (as keys.yaml paths are). */
function sourceOf(construct: IConstruct, outDir: string): { file: string; line: number; column: number } | undefined {
  const declared = declarationOf(construct);
  return declared && { ...declared, file: relative(outDir, declared.file).split('\\').join('/') };
}

/** The KeyPlan an ApiKey or Provider belongs to: its closest KeyPlan ancestor. */
function ownerPlan(construct: IConstruct): IConstruct | undefined {
  for (let scope = construct.node.scope; scope; scope = scope.node.scope) if (hasBrand(scope, KEY_PLAN_BRAND)) return scope;
  return undefined;
}

function check(text: string, file: string, baseDir: string, now: number, planLabel: string): string[] {
  const shown = displayPath(file);
  const parsed = parseYamlSource(text, file, shown);
  const issues: ConfigIssue[] = [];
  if (!parsed.ok) appendAll(issues, parsed.issues);
  else {
    appendAll(issues, schemaIssues(schemaValidators(), parsed.doc, 'root'));
    const normalized = normalizeConfig({ root: parsed.doc, includes: [], baseDir, now, providerTypes: BUILT_IN_NORMALIZERS });
    const reported = new Set(issues.map((issue) => issue.path));
    if (!normalized.ok) appendAll(issues, normalized.issues.filter((issue) => !reported.has(issue.path)));
  }
  const program = programPositions(text, file, shown, process.cwd());
  return issues.map((issue) => describeIssue(issue, text, program, shown, planLabel));
}

/**
 * `team/Key (keys.ts:12:1): message`: the construct path and the program line that declared it, with any
 * `file:line:column` of the synthesized text inside the message named the same way.
 */
function describeIssue(issue: ConfigIssue, text: string, program: ProgramPositions | undefined, shown: string, fallback: string): string {
  const path = constructPathAt(text, issue.line);
  const moved = program?.issue(issue);
  if (!path || !moved) return `${fallback}: ${issue.message}`;
  const at = moved.file === shown ? '' : ` (${moved.file}:${moved.line}:${moved.column})`;
  return `${path}${at}${moved.message.slice(path.length)}`;
}
