import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/io/load-config.js';
import { issuesOf, NOW } from './temp-config.js';

const fixtures = join(import.meta.dirname, '../fixtures/config');
const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../schema/keys.schema.json'), 'utf8')) as Record<string, unknown>;

describe('schema/keys.schema.json', () => {
  it('is a valid Draft 2020-12 schema with an $id and a title', () => {
    const ajv = new Ajv2020Module.default({ strict: true, strictRequired: false, strictTypes: false });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toMatch(/^https:\/\//);
    expect(schema.title).toEqual(expect.any(String));
  });

  it('gives every property a description (editors show them)', () => {
    const missing: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const record = node as Record<string, unknown>;
      const properties = record.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [name, property] of Object.entries(properties ?? {})) {
        // A property that only narrows a discriminator (`type: const`) in a branch is described in the base.
        if (typeof property.description !== 'string' && property.const === undefined) missing.push(`${where}.${name}`);
      }
      for (const [key, value] of Object.entries(record)) walk(value, `${where}/${key}`);
    };
    walk(schema, '#');
    expect(missing).toEqual([]);
  });

  it('lets editors check included files through the same schema (a file without version holds only keys)', () => {
    const ajv = new Ajv2020Module.default({ strict: true, strictRequired: false, strictTypes: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate({ keys: [{ name: 'A', roles: ['READONLY'] }] })).toBe(true);
    expect(validate({ keys: [], providers: {} })).toBe(false);
    expect(validate({ version: 1, keys: [], include: ['teams/*.yaml'] })).toBe(true);
  });

  describe('valid fixtures load', () => {
    for (const name of readdirSync(join(fixtures, 'valid'))) {
      it(name, async () => {
        const state = await loadConfig(join(fixtures, 'valid', name), { now: NOW });
        expect(state.files).toEqual([join(fixtures, 'valid', name)]);
      });
    }
  });

  describe('invalid fixtures report the expected issue at the expected place', () => {
    for (const name of readdirSync(join(fixtures, 'invalid'))) {
      it(name, async () => {
        const path = join(fixtures, 'invalid', name);
        const expectation = /^# expect: (\d+):(\d+) (.+)$/m.exec(readFileSync(path, 'utf8'));
        if (!expectation) throw new Error(`${name} lacks a "# expect: LINE:COL text" line`);
        const [, line, column, text] = expectation;
        const issues = await issuesOf(path, fixtures);
        expect(issues).toContainEqual(
          expect.objectContaining({ file: `invalid/${name}`, line: Number(line), column: Number(column), message: expect.stringContaining(text ?? '') }),
        );
      });
    }
  });
});
