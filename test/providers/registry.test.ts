import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProviderError, isRefusal, kindForStatus } from '../../src/core/errors.js';
import { BUILT_IN_NORMALIZERS } from '../../src/providers/normalizers.js';

const schema = JSON.parse(readFileSync(new URL('../../schema/keys.schema.json', import.meta.url), 'utf8')) as {
  $defs: Record<string, { properties?: Record<string, { enum?: string[]; const?: string }>; allOf?: { if: { properties: { type: { const: string } } }; then: { $ref: string } }[] }>;
};

describe('the provider registry', () => {
  it('has a schema fragment ($defs/<type>Provider), an enum entry and a dispatch for every registered type, and nothing else', () => {
    const types = Object.keys(BUILT_IN_NORMALIZERS).sort();
    const provider = schema.$defs.provider;
    expect([...(provider?.properties?.type?.enum ?? [])].sort()).toEqual(types);
    expect((provider?.allOf ?? []).map((branch) => [branch.if.properties.type.const, branch.then.$ref]).sort()).toEqual(types.map((type) => [type, `#/$defs/${type}Provider`]));
    for (const type of types) expect(schema.$defs[`${type}Provider`]?.properties?.type?.const).toBe(type);
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
