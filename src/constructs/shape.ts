import type { NodePath, SourceDocument } from '../core/config.js';
import { toPointer } from '../core/config-source.js';
import { schemaIssues, schemaValidators } from '../io/schema-validator.js';
import { DELIVER_FIELDS, KEY_FIELDS, POLICY_FIELDS, PROVIDER_FIELDS, ROTATION_FIELDS, propName } from './fields.js';
import { findToken } from './tokens.js';

/**
 * Construction-time checks of one construct's props: unresolved tokens, unknown props, and
 * schema/keys.schema.json itself (the same validator `keyplan validate` uses), worded with camelCase props.
 */
export function propsProblems(props: object, allowed: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const token = findToken(props);
  if (token) problems.push(`${token} holds an unresolved token, which cannot be resolved at synth (keys.yaml is written before anything is deployed); pass a plain value`);
  problems.push(...unknownProps(props, allowed, ''));
  const record = props as Record<string, unknown>;
  const rotation = record.rotation;
  if (isRecord(rotation)) problems.push(...unknownProps(rotation, ROTATION_FIELDS, 'rotation.'));
  const deliver = record.deliver;
  if (Array.isArray(deliver)) {
    deliver.forEach((target: unknown, index) => {
      const fields = isRecord(target) ? DELIVER_FIELDS[String(target.type) as keyof typeof DELIVER_FIELDS] : undefined;
      if (isRecord(target) && fields) problems.push(...unknownProps(target, fields, `deliver[${index}].`));
    });
  }
  return problems;
}

export function providerFieldsOf(type: unknown): Readonly<Record<string, string>> {
  return PROVIDER_FIELDS[String(type) as keyof typeof PROVIDER_FIELDS] ?? { type: 'type' };
}

export const keyFieldsAllowed = KEY_FIELDS;
export const policyFieldsAllowed = POLICY_FIELDS;

/** Problems the schema finds in a keys.yaml fragment at `at` (e.g. ['keys', 0]), with props named in camelCase. */
export function schemaProblems(fragment: Record<string, unknown>, at: NodePath): string[] {
  const doc: SourceDocument = { path: '', displayPath: '', data: { version: 1, ...fragment }, locate: () => ({ line: 1, column: 1 }) };
  const prefix = toPointer(at);
  return schemaIssues(schemaValidators(), doc, 'root').map(({ path, message }) => {
    const steps = path.startsWith(prefix) ? path.slice(prefix.length).split('/').slice(1) : [];
    const written = label([...at, ...steps.map(unpointer)]);
    const rest = message.startsWith(`${written}: `) ? message.slice(written.length + 2) : message;
    const own = label(steps.map(unpointer).map((step) => (typeof step === 'string' ? propName(step) : step)));
    return own ? `${own}: ${rest}` : rest;
  });
}

function unknownProps(props: object, allowed: Readonly<Record<string, string>>, prefix: string): string[] {
  const known = Object.keys(allowed);
  return Object.keys(props)
    .filter((prop) => !(prop in allowed))
    .map((prop) => `${prefix}${prop} is not a prop keyplan knows; expected one of ${known.join(', ')}`);
}

function unpointer(step: string): string | number {
  const text = step.replaceAll('~1', '/').replaceAll('~0', '~');
  return /^[0-9]+$/.test(text) ? Number(text) : text;
}

/** Like the schema messages' labels: `keys[0].rotation.every`. */
function label(path: readonly (string | number)[]): string {
  return path.map((step, index) => (typeof step === 'number' ? `[${step}]` : index === 0 ? step : `.${step}`)).join('');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
