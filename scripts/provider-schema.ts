/**
 * What the built-in providers' own declarations (src/providers/<type>/index.ts) generate: keys.schema.json's
 * provider section and per-provider key fields, the constructs' provider props, and the README's capability
 * matrix. Everything else in those files is hand-written and left byte for byte (json-members.ts finds the spans).
 * scripts/generate-provider-schema.ts writes them; test/providers/registry.test.ts fails when they drift.
 */
import type { BuiltInProvider, JsonSchema } from '../src/providers/built-in.js';
import { BUILT_IN_PROVIDERS } from '../src/providers/registry.js';
import { formatJson, memberAt, membersOf, type Member } from './json-members.js';

const DEF_INDENT = 4;
const KEY_PROPERTY_INDENT = 8;

export function providerDefs(providers: readonly BuiltInProvider[] = BUILT_IN_PROVIDERS): [string, JsonSchema][] {
  const types = providers.map((p) => p.type);
  const listed = `${types.slice(0, -1).map((t) => `\`${t}\``).join(', ')} or \`${types.at(-1)}\``;
  const defs: [string, JsonSchema][] = [
    [
      'provider',
      {
        description: `A key service: ${listed}. Each type's settings are checked by its own definition (generated from src/providers/<type>/index.ts).`,
        type: 'object',
        required: ['type'],
        properties: { type: { description: `The kind of key service: ${listed}.`, enum: types } },
        allOf: types.map((type) => ({
          if: { type: 'object', required: ['type'], properties: { type: { const: type } } },
          then: { $ref: `#/$defs/${type}Provider` },
        })),
      },
    ],
  ];
  for (const provider of providers) {
    const { settings } = provider;
    defs.push([
      `${provider.type}Provider`,
      {
        type: 'object',
        required: ['type', ...(settings.required ?? [])],
        additionalProperties: false,
        properties: { type: { description: settings.title, const: provider.type }, ...settings.properties },
        ...settings.extra,
      },
    ]);
    if (provider.keyFields) defs.push([`${provider.type}KeyFields`, { description: provider.keyFields.description, ...provider.keyFields.schema }]);
  }
  return defs;
}

function keyFieldProperties(providers: readonly BuiltInProvider[]): [string, JsonSchema][] {
  return providers.flatMap((p) =>
    p.keyFields ? [[p.type, { $ref: `#/$defs/${p.type}KeyFields`, description: `For a key of a ${p.type} provider: ${p.keyFields.description}` }] as [string, JsonSchema]] : [],
  );
}

const isGeneratedDef = (key: string) => key === 'provider' || /^[a-z][A-Za-z0-9]*(Provider|KeyFields)$/.test(key);

/** keys.schema.json with its generated parts made anew from the providers. */
export function generateSchemaText(text: string, providers: readonly BuiltInProvider[] = BUILT_IN_PROVIDERS): string {
  const types = new Set(providers.map((p) => p.type));
  // The key's provider fields first (they lie after the $defs members, so the earlier offsets stay valid).
  const defs = memberAt(text, 0, '$defs');
  const key = memberAt(text, defs.valueStart, 'key');
  const properties = memberAt(text, key.valueStart, 'properties');
  const keyMembers = membersOf(text, properties.valueStart);
  let out = text;
  const stale = keyMembers.filter((m) => types.has(m.key) || /KeyFields"/.test(text.slice(m.valueStart, m.end)));
  for (const member of [...stale].reverse()) out = removeMember(out, member);
  const anchor = membersOf(out, memberAt(out, memberAt(out, memberAt(out, 0, '$defs').valueStart, 'key').valueStart, 'properties').valueStart).find((m) => m.key === 'provider');
  if (!anchor) throw new Error('keys.schema.json: $defs.key.properties has no `provider` to put the provider fields after');
  const added = keyFieldProperties(providers).map(([name, schema]) => `,\n${' '.repeat(KEY_PROPERTY_INDENT)}${JSON.stringify(name)}: ${formatJson(schema, KEY_PROPERTY_INDENT)}`);
  out = out.slice(0, anchor.end) + added.join('') + out.slice(anchor.end);
  // Then the provider definitions: one contiguous run of $defs members.
  const defMembers = membersOf(out, memberAt(out, 0, '$defs').valueStart);
  const generated = defMembers.filter((m) => isGeneratedDef(m.key));
  const first = generated[0];
  const last = generated.at(-1);
  if (!first || !last) throw new Error('keys.schema.json: no $defs.provider to replace');
  const run = defMembers.slice(defMembers.indexOf(first), defMembers.indexOf(last) + 1);
  if (run.some((m) => !isGeneratedDef(m.key))) throw new Error(`keys.schema.json: keep the generated $defs (provider, *Provider, *KeyFields) together; ${run.find((m) => !isGeneratedDef(m.key))?.key} is among them`);
  const block = providerDefs(providers).map(([name, schema]) => `${JSON.stringify(name)}: ${formatJson(schema, DEF_INDENT)}`).join(`,\n${' '.repeat(DEF_INDENT)}`);
  return out.slice(0, first.start) + block + out.slice(last.end);
}

function removeMember(text: string, member: Member): string {
  // The member and the comma and line break before it.
  const before = text.lastIndexOf(',', member.start);
  return text.slice(0, before) + text.slice(member.end);
}
