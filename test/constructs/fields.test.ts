import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DELIVER_FIELDS, KEY_FIELDS, POLICY_FIELDS, PROVIDER_FIELDS, ROOT_FIELDS, ROTATION_FIELDS } from '../../src/constructs/fields.js';

interface Def {
  properties?: Record<string, unknown>;
}
const schema = JSON.parse(readFileSync(new URL('../../schema/keys.schema.json', import.meta.url), 'utf8')) as { $defs: Record<string, Def> };
const propertiesOf = (def: string): string[] => Object.keys(schema.$defs[def]?.properties ?? {}).sort();
const yamlNames = (fields: Record<string, string>): string[] => Object.values(fields).sort();

// The construct props and schema/keys.schema.json name the same properties: a property added to one side
// (say a new key field) fails here until the other side has it.
describe('construct props agree with schema/keys.schema.json', () => {
  it.each([
    ['key', KEY_FIELDS],
    ['policy', POLICY_FIELDS],
    ['rotation', ROTATION_FIELDS],
    ['localProvider', PROVIDER_FIELDS.local],
    ['httpProvider', PROVIDER_FIELDS.http],
    ['strapiProvider', PROVIDER_FIELDS.strapi],
    ['keystoneProvider', PROVIDER_FIELDS.keystone],
    ['packageProvider', PROVIDER_FIELDS.package],
    ['fileTarget', DELIVER_FIELDS.file],
    ['githubSecretTarget', DELIVER_FIELDS['github-secret']],
  ] as const)('%s', (def, fields) => {
    expect(yamlNames(fields)).toEqual(propertiesOf(def));
  });

  it('every root property is provided by a construct or explicitly not offered', () => {
    expect(Object.keys(ROOT_FIELDS).sort()).toEqual(propertiesOf('rootFile'));
  });

  it('offers exactly the provider and deliver types the schema knows', () => {
    const enumOf = (def: string) => ((schema.$defs[def]?.properties?.type as { enum: string[] }).enum ?? []).slice().sort();
    expect(Object.keys(PROVIDER_FIELDS).sort()).toEqual(enumOf('provider'));
    expect(Object.keys(DELIVER_FIELDS).sort()).toEqual(enumOf('deliverTarget'));
  });
});
