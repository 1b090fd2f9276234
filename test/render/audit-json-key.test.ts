import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditedKey } from '../../src/core/audit.js';
import type { Finding } from '../../src/core/plan-types.js';
import { keyJson, keyJsonWriter } from '../../src/render/audit-json-key.js';
import { jsonString, jsonStringBody, prettyJson } from '../../src/render/json-text.js';
import { DAY, NOW, desiredKey, remoteKey } from '../core/builders.js';

/** A fresh writer for one key. */
const keyJsonText = (key: AuditedKey, indent: string) => keyJsonWriter(indent)(key);

/** What keyJsonText must print: JSON.stringify of keyJson, nested at `indent`. */
const reference = (key: AuditedKey, indent: string) => indent + JSON.stringify(keyJson(key), null, 2).replaceAll('\n', `\n${indent}`);

function finding(key: AuditedKey['remote'], message: string, kind: Finding['kind'] = 'stale'): Finding {
  return { kind, severity: kind === 'expired' ? 'error' : 'warning', provider: 'default', keyId: key.id, name: key.name, message, remote: key };
}

function audited(overrides: Partial<AuditedKey['remote']>, options: { declared?: boolean; messages?: string[]; owner?: string } = {}): AuditedKey {
  const remote = remoteKey({ id: 'key_1', name: 'Reader', createdAt: NOW - 30 * DAY, lastUsedAt: NOW - DAY, ...overrides });
  const desired = options.declared ? desiredKey({ name: remote.name, ...(options.owner ? { owner: options.owner } : {}), source: { file: 'teams/a "b".yaml', line: 7, column: 5 } }) : undefined;
  const findings = (options.messages ?? []).map((message, index) => finding(remote, message, index % 2 ? 'expired' : 'stale'));
  return desired ? { provider: 'default', remote, desired, findings } : { provider: 'default', remote, findings };
}

describe('one key of the audit JSON, written by hand', () => {
  it('prints what JSON.stringify prints for keys declared or not, with and without roles, findings, times and owners', () => {
    const keys = [
      audited({ roles: [], lastUsedAt: null, expiresAt: null, metadata: {} }),
      audited({ roles: ['ADMIN', 'READONLY'], expiresAt: NOW + 5 * DAY + 250, metadata: { 'managed-by': 'keyplan', 'keyplan-owner': 'team "x"' } }, { messages: ['one', 'two "quoted"\n'] }),
      audited({ description: 'Says "hi" \\ tab\t é 🔑 \u0001 \u2028', createdAt: Date.parse('2026-01-01T00:00:00Z') }, { declared: true, owner: 'ops', messages: ['is old'] }),
      audited({ name: '=HYPERLINK("x")', prefix: 'kp_ab"cd' }, { declared: true }),
      audited({ roles: ['READONLY'] }, { messages: ['one', 'two', 'three'] }),
      audited({ roles: ['READONLY'] }, { messages: ['two "quoted"\n', 'one'] }),
    ];
    for (const key of keys) for (const indent of ['', '    ', '      ']) expect(keyJsonText(key, indent)).toBe(reference(key, indent));
    const writer = keyJsonWriter('  ');
    for (const key of [...keys, ...[...keys].reverse()]) expect(writer(key)).toBe(reference(key, '  '));
  });

  it('matches JSON.stringify for any strings in any field, with a fresh writer and with one that wrote other keys', () => {
    const shared = keyJsonWriter('    ');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.array(fc.string({ unit: 'binary' }), { maxLength: 3 }), fc.boolean(), (text, other, roles, declared) => {
        const key = audited({ name: other, description: text, prefix: text, roles, metadata: { 'keyplan-owner': text } }, { declared, messages: roles });
        expect(keyJsonText(key, '    ')).toBe(reference(key, '    '));
        expect(shared(key)).toBe(reference(key, '    '));
      }),
      { numRuns: 300 },
    );
  });

  it('falls back to JSON.stringify for values of the wrong type, as a provider might send them', () => {
    const odd = [
      audited({ description: undefined as unknown as string }),
      audited({ description: null as unknown as string, roles: [1, null] as unknown as string[] }),
      audited({ roles: ['A', , 'B'] as unknown as string[] }), // eslint-disable-line no-sparse-arrays
      audited({ metadata: { 'keyplan-owner': 7 } as unknown as Record<string, string> }),
      audited({ metadata: { 'keyplan-owner': { team: 'x' } } as unknown as Record<string, string> }),
      audited({ id: 12 as unknown as string }),
    ];
    for (const key of odd) expect(keyJsonText(key, '    ')).toBe(reference(key, '    '));
  });
});

describe('JSON text pieces', () => {
  it('jsonString is JSON.stringify of a string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(jsonString(text)).toBe(JSON.stringify(text));
        expect(`"${jsonStringBody(text)}"`).toBe(JSON.stringify(text));
      }),
      { numRuns: 500 },
    );
    for (const text of ['', 'plain', '"', '\\', '\u007f', '\ud800', '\udfff', '🔑', '\u2028']) {
      expect(jsonString(text)).toBe(JSON.stringify(text));
      expect(`"${jsonStringBody(text)}"`).toBe(JSON.stringify(text));
    }
  });

  it('prettyJson nests JSON.stringify at an indent', () => {
    const value = { a: ['x\ny', { b: null }], c: {} };
    expect(`{\n  "v": ${prettyJson(value, '  ')}\n}`).toBe(JSON.stringify({ v: value }, null, 2));
  });
});
