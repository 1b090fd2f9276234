import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { capabilityMatrix, replaceReadmeMatrix } from '../../scripts/capability-matrix.js';
import { generateConstructsText } from '../../scripts/provider-props.js';
import { generateSchemaText } from '../../scripts/provider-schema.js';
import { ProviderError, isRefusal, kindForStatus } from '../../src/core/errors.js';
import type { BuiltInProvider } from '../../src/providers/built-in.js';
import { BUILT_IN_NORMALIZERS } from '../../src/providers/normalizers.js';
import { BUILT_IN_PROVIDERS } from '../../src/providers/registry.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const schemaText = read('schema/keys.schema.json');
const schema = JSON.parse(schemaText) as {
  $defs: Record<string, { properties?: Record<string, { enum?: string[]; const?: string; $ref?: string }>; allOf?: { if: { properties: { type: { const: string } } }; then: { $ref: string } }[] }>;
};

describe('the provider registry', () => {
  it('has a schema fragment ($defs/<type>Provider), an enum entry and a dispatch for every registered type, and nothing else', () => {
    const types = Object.keys(BUILT_IN_NORMALIZERS).sort();
    expect(BUILT_IN_PROVIDERS.map((p) => p.type).sort()).toEqual(types);
    const provider = schema.$defs.provider;
    expect([...(provider?.properties?.type?.enum ?? [])].sort()).toEqual(types);
    expect((provider?.allOf ?? []).map((branch) => [branch.if.properties.type.const, branch.then.$ref]).sort()).toEqual(types.map((type) => [type, `#/$defs/${type}Provider`]));
    for (const type of types) expect(schema.$defs[`${type}Provider`]?.properties?.type?.const).toBe(type);
    expect(schema.$defs.key?.properties?.keystone?.$ref).toBe('#/$defs/keystoneKeyFields');
  });

  // Regenerate with `npm run generate:providers` when a provider's declaration changes.
  it('keys.schema.json, the constructs\' provider props and the README capability matrix are what the providers generate', () => {
    expect(generateSchemaText(schemaText)).toBe(schemaText);
    expect(generateConstructsText()).toBe(read('src/constructs/provider-props.ts'));
    const readme = read('README.md');
    expect(replaceReadmeMatrix(readme, capabilityMatrix())).toBe(readme);
  });

  it('a provider added to the registry appears in every generated part, and the hand-written rest is kept byte for byte', () => {
    const acme: BuiltInProvider = {
      ...(BUILT_IN_PROVIDERS.find((p) => p.type === 'keystone') as BuiltInProvider),
      type: 'acme',
      settings: { title: 'Acme keys.', required: ['url'], properties: { url: { type: 'string' } } },
      keyFields: { description: 'Acme only.', schema: { type: 'object', properties: { tier: { type: 'string' } } } },
    };
    const generated = generateSchemaText(schemaText, [...BUILT_IN_PROVIDERS, acme]);
    const parsed = JSON.parse(generated) as typeof schema;
    expect(parsed.$defs.provider?.properties?.type?.enum).toContain('acme');
    expect(parsed.$defs.acmeProvider?.properties?.url).toEqual({ type: 'string' });
    expect(parsed.$defs.key?.properties?.acme?.$ref).toBe('#/$defs/acmeKeyFields');
    expect(parsed.$defs.policy).toEqual(schema.$defs.policy);
    // Removing it again gives back the file as it is.
    expect(generateSchemaText(generated)).toBe(schemaText);
    expect(generateConstructsText([...BUILT_IN_PROVIDERS, acme])).toMatch(/export interface AcmeProviderProps \{[^}]*readonly url: string;/);
    expect(capabilityMatrix([...BUILT_IN_PROVIDERS, acme]).split('\n')[0]).toContain('`acme`');
  });
});

describe('ProviderError kinds', () => {
  it('follow the HTTP status when the provider names none', () => {
    expect([400, 401, 403, 404, 409, 412, 422, 408, 429, 500, 503, undefined].map(kindForStatus)).toEqual([
      'refused', 'refused', 'refused', 'not-found', 'conflict', 'stale', 'refused', 'unavailable', 'unavailable', 'unavailable', 'unavailable', 'unavailable',
    ]);
    expect(new ProviderError('lost', undefined, 'ECONNRESET', 'maybe-committed').kind).toBe('maybe-committed');
  });

  it('tell the engine which failures certainly did nothing', () => {
    expect(isRefusal(new ProviderError('taken', 409))).toBe(true);
    expect(isRefusal(new ProviderError('down', 503))).toBe(false);
    expect(isRefusal(new ProviderError('lost', undefined, 'UND_ERR_SOCKET', 'maybe-committed'))).toBe(false);
    expect(isRefusal(new Error('not a provider error'))).toBe(false);
  });
});
