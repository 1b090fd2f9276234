import fc from 'fast-check';
import { createRequire } from 'node:module';
import { parseDocument } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import type { NodePath, SourceDocument } from '../../src/core/config.js';
import { parseFastYaml } from '../../src/io/fast-yaml.js';
import { parseYamlDocument, parseYamlSource } from '../../src/io/yaml-source.js';

/** What the `yaml` package makes of a text: its data, or undefined when it reports an error. */
function yamlData(text: string): { data: unknown } | undefined {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) return undefined;
  try {
    return { data: doc.toJS({ maxAliasCount: 1000 }) };
  } catch {
    return undefined;
  }
}

/** Every path to a node of the data, each with whether its last step is a mapping key. */
function allPaths(data: unknown, prefix: NodePath = []): { path: NodePath; inMapping: boolean }[] {
  const paths: { path: NodePath; inMapping: boolean }[] = [];
  if (Array.isArray(data)) {
    data.forEach((item, index) => paths.push({ path: [...prefix, index], inMapping: false }, ...allPaths(item, [...prefix, index])));
  } else if (typeof data === 'object' && data !== null) {
    for (const [key, value] of Object.entries(data)) paths.push({ path: [...prefix, key], inMapping: true }, ...allPaths(value, [...prefix, key]));
  }
  return paths;
}

function lookUp(data: unknown, path: NodePath): unknown {
  return path.reduce<unknown>((node, step) => (node as Record<string | number, unknown>)[step], data);
}

/** The fast reader accepts only what `yaml` accepts, gives the same data, and the same position for every node. */
function expectSameAsYaml(text: string): boolean {
  const fast = parseFastYaml(text);
  if (!fast) return false;
  const reference = yamlData(text);
  expect(reference, `yaml rejects what the fast reader accepted:\n${text}`).toBeDefined();
  expect(fast.data).toStrictEqual(reference?.data);
  const quick = parseYamlSource(text, '/x.yaml', 'x.yaml');
  const slow = parseYamlDocument(text, '/x.yaml', 'x.yaml');
  if (!quick.ok || !slow.ok) throw new Error('both paths must parse a text the fast reader accepted');
  const positions = (doc: SourceDocument, path: NodePath, inMapping: boolean) => [doc.locate(path, 'value'), inMapping ? doc.locate(path, 'key') : null];
  expect(quick.doc.locate([])).toEqual(slow.doc.locate([]));
  for (const { path, inMapping } of allPaths(reference?.data)) {
    expect(positions(quick.doc, path, inMapping), `${path.join('.')} in:\n${text}`).toEqual(positions(slow.doc, path, inMapping));
  }
  return true;
}

const CONFIG = `# yaml-language-server: $schema=./schema/keys.schema.json
version: 1
include: [teams/*.yaml]
providers:
  default:   # the embedded store
    type: local
    path: .keyplan/keys.db
  prod: { type: http, url: "https://keys.example.com", token_env: KEYPLAN_TOKEN }
policy:
  max_lifetime: 365d
  require_expiry_for:
    - ADMIN
  prune: false
  max_change_fraction: 0.3
keys:
  - name: Billing_Reader
    description: >-
      Reads invoices
      for the billing dashboard
    roles: [READONLY]
    expires: 2027-06-30
    rotation: {every: 90d, before_expiry: 14d}
    deliver:
      - { type: file, path: .keyplan/secrets.env, var: BILLING_API_KEY }
      - type: github-secret
        repo: acme/billing
        name: BILLING_API_KEY
    notes: 'it''s "quoted"' # and a comment
  -   name: 'quoted'
      roles:
      - ADMIN
      consumers: []
      owner:
  - {name: flow, roles: [A, B]}
keys_again_but_empty:
`;

describe('the fast YAML reader', () => {
  it('reads a config like the yaml package, with the same positions for every mapping, list and key', () => {
    expect(expectSameAsYaml(CONFIG)).toBe(true);
    expect(expectSameAsYaml(CONFIG.replaceAll('\n', '\r\n'))).toBe(true);
  });

  it('answers every position of an ordinary config itself, never parsing it a second time with yaml', () => {
    // The copy of `yaml` src/io/yaml-source.ts loads (CommonJS, through createRequire), watched for a parse.
    const yamlCjs = createRequire(import.meta.url)('yaml') as { parseDocument: typeof parseDocument };
    const secondParse = vi.spyOn(yamlCjs, 'parseDocument');
    try {
      const quick = parseYamlSource(CONFIG, '/x.yaml', 'x.yaml');
      if (!quick.ok) throw new Error('the config parses');
      for (const { path, inMapping } of allPaths(quick.doc.data)) {
        if (path.at(-1) === 'owner' || path.at(-1) === 'keys_again_but_empty') continue; // empty values
        // A scalar list item is asked for only to place a problem in it: the yaml path answers.
        if (typeof path.at(-1) === 'number' && typeof lookUp(quick.doc.data, path) !== 'object') continue;
        quick.doc.locate(path, 'value');
        if (inMapping) quick.doc.locate(path, 'key');
      }
      expect(secondParse).not.toHaveBeenCalled();
      quick.doc.locate(['keys', 1, 'owner'], 'value');
      expect(secondParse).toHaveBeenCalledOnce();
    } finally {
      secondParse.mockRestore();
    }
  });

  it('resolves plain scalars as the YAML 1.2 core schema does', () => {
    const scalars = ['0b101', '1_000', '0o17', '017', '+12', '-3', '.5', '1e3', '1.', '-.inf', '.NaN', '.nan', 'True', 'TRUE', 'tRue', 'yes', 'No', 'on', 'off', '~', 'null', 'Null', 'NULL', '2027-06-30', '2027-06-30T12:00:00Z', '12:30', '0x1F', '0X1F', '1E3', '.5e-3', '+.inf', '"1"', "'true'", '"a\\tb"', '90d', '0.3', '007', '1e', '0o8'];
    const text = scalars.map((value, index) => `k${index}: ${value}`).join('\n');
    expect(expectSameAsYaml(text)).toBe(true);
  });

  it.each([
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a syntax error', 'keys: [\n'],
    ['several documents', 'a: 1\n---\nb: 2\n'],
    ['an anchor and alias', 'a: &x [1]\nb: *x\n'],
    ['an explicit tag', 'version: !!int 1\n'],
    ['a non-specific tag', 'version: ! 1\n'],
    ['an unknown tag', 'version: !!binary 1\n'],
    ['a %YAML directive', '%YAML 1.1\n---\na: yes\n'],
    ['a non-string key', '1: a\n'],
    ['a null key', '~: a\n'],
    ['a mapping as key', '? [a]\n: b\n'],
  ])('leaves %s to the yaml path', (_, text) => {
    expect(parseFastYaml(text)).toBeUndefined();
  });

  it('never accepts what yaml rejects, nor reads it differently (YAML-ish token soup)', () => {
    const token = fc.constantFrom('version: 1\n', 'keys:\n', '  - ', '    ', 'name: ', 'roles: [', ']', '{', '}', ':', ': ', '- ', '\n', '  ', '&a ', '*a', '!!str ', '"', "'", '#', ' # c\n', '---\n', '...\n', 'expires: ', '90d', 'never', '1', '0x1', '~', 'true', '2027-02-30', '? ', '|\n', '>\n', '|-\n  x\n', 'ADMIN', ',', 'a: ', 'b:\n', '  c: d\n', '\t', '%', '\r\n');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }).map((parts) => parts.join('')), (text) => {
        expectSameAsYaml(text);
      }),
      { numRuns: 3000, seed: 20251123 },
    );
  });
});
