import type { ErrorObject } from 'ajv/dist/2020.js';
import type { ConfigIssue } from '../core/errors.js';
import type { NodePath, SourceDocument } from '../core/config.js';
import { issueAt } from '../core/config-source.js';

/** Readable words for the schema's patterns, keyed by the pattern text. */
const PATTERN_MESSAGES: Record<string, string> = {
  '^[0-9]{1,9}(s|m|h|d|w|mo|y)$': 'must be a duration: a number and a unit, e.g. 45s, 30m, 12h, 90d, 2w, 3mo, 1y',
  '^(never|[0-9]{1,9}(s|m|h|d|w|mo|y))$': 'must be a duration (e.g. 90d, 12h, 1y) or never',
  '^[A-Za-z0-9_.-]{1,128}$': 'must be a key name: letters, digits, _, - and ., 1 to 128 characters',
  '^[A-Za-z][A-Za-z0-9_-]{0,63}$': 'must be a provider name: a letter, then letters, digits, _ and - (at most 64 characters)',
  '^[A-Za-z_][A-Za-z0-9_]{0,254}$': 'must be a variable name: letters, digits and _, not starting with a digit',
  '^https?://[^\\s/?#]+[^\\s]*$': 'must be an http:// or https:// URL',
  '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$': 'must be a repository as owner/name',
  '^[A-Za-z0-9][A-Za-z0-9._/@-]*$': 'must be an ownership name such as acme/billing-infra: letters, digits and . _ / @ -, starting with a letter or digit',
  '^(?![Gg][Ii][Tt][Hh][Uu][Bb]_)[A-Za-z_][A-Za-z0-9_]*$':
    'must be a GitHub secret name: letters, digits and _, not starting with a digit or GITHUB_',
};

const EXPIRY_MESSAGE =
  'must be a duration (90d, 2w, 12h, 3mo, 1y), a date (2027-06-30), a date-time (2027-06-30T12:00:00Z) or never';

/** One Ajv error -> a positioned issue in the user's words; undefined for errors that only repeat others. */
export function issueFromSchemaError(error: ErrorObject, doc: SourceDocument, role: 'root' | 'included'): ConfigIssue | undefined {
  if (error.keyword === 'if' || error.keyword === 'propertyNames') return undefined;
  const path = parsePointer(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
    const property = String(params.additionalProperty ?? params.unevaluatedProperty);
    return issueAt(doc, [...path, property], unknownPropertyMessage(property, error, path, role), 'key');
  }
  if (error.propertyName !== undefined) {
    return issueAt(doc, [...path, error.propertyName], `${label([...path, error.propertyName])}: ${describe(error)}`, 'key');
  }
  if (error.keyword === 'required') {
    // At the owning property's key (`prod:`), which reads better than the first line inside the mapping.
    return issueAt(doc, path, `${label(path) || 'the file'}: missing required property \`${String(params.missingProperty)}\``, 'key');
  }
  const where = label(path);
  return issueAt(doc, path, where ? `${where}: ${describe(error)}` : describe(error));
}

function unknownPropertyMessage(property: string, error: ErrorObject, path: NodePath, role: 'root' | 'included'): string {
  if (role === 'included' && path.length === 0 && property !== 'keys') {
    return `\`${property}\` is not allowed in an included file: it holds only \`keys:\` (version, include, providers and policy belong in the root file)`;
  }
  const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
  const suggestion = closest(property, known);
  const where = label(path);
  return `unknown property \`${property}\`${where ? ` in ${where}` : ''}${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`;
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const value: unknown = error.data;
  switch (error.keyword) {
    case 'type':
      return `must be ${withArticle(String(params.type))} (got ${describeValue(value)})`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')} (got ${describeValue(value)})`;
    case 'const':
      if (error.instancePath === '/version') return `unsupported version ${describeValue(value)}: this keyplan reads version 1`;
      return `must be ${JSON.stringify(params.allowedValue)} (got ${describeValue(value)})`;
    case 'pattern': {
      const pattern = String(params.pattern);
      const words = PATTERN_MESSAGES[pattern] ?? (pattern.startsWith('^(never|[0-9]{1,9}(s|m|h|d|w|mo|y)|') ? EXPIRY_MESSAGE : 'has the wrong form');
      return `${words} (got ${describeValue(value)})`;
    }
    case 'minItems':
      return params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} items`;
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `must have at most ${String(params.limit)} characters`;
    case 'minProperties':
      return 'must not be empty';
    case 'uniqueItems':
      return `lists ${describeValue(Array.isArray(value) ? value[Number(params.j)] : undefined)} more than once`;
    case 'minimum':
      return `must be at least ${String(params.limit)} (got ${describeValue(value)})`;
    case 'maximum':
      return `must be at most ${String(params.limit)} (got ${describeValue(value)})`;
    default:
      return error.message ?? `fails schema rule ${error.keyword}`;
  }
}

/** `/keys/3/roles` -> ['keys', 3, 'roles']. */
function parsePointer(pointer: string): NodePath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((step) => step.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((step) => (/^(0|[1-9]\d*)$/.test(step) ? Number(step) : step));
}

/** ['keys', 3, 'rotation', 'every'] -> `keys[3].rotation.every`. */
function label(path: NodePath): string {
  return path.map((step, index) => (typeof step === 'number' ? `[${step}]` : index === 0 ? step : `.${step}`)).join('');
}

function withArticle(type: string): string {
  const words: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
    null: 'empty',
  };
  return type
    .split(',')
    .map((name) => words[name] ?? name)
    .join(' or ');
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}

/** The known name nearest to a misspelt one, when it is close enough to be a likely typo. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
