import { createRequire } from 'node:module';
import type Ajv2020Module from 'ajv/dist/2020.js';

type Ajv2020 = InstanceType<typeof Ajv2020Module.default>;

export const KEYS_SCHEMA_URL = new URL('../../schema/keys.schema.json', import.meta.url);

/** The definitions of schema/keys.schema.json that check a root file and an included file. */
export const FILE_DEFS = { root: 'rootFile', included: 'includedFile' } as const;

/**
 * The one Ajv set-up for keys.yaml, used both at build time (standalone code, so a run does not pay for
 * compiling the schema) and at run time when that code is absent (tests run from source).
 * verbose: errors carry the failing value and schema, used to word messages and suggest property names.
 */
export function createSchemaAjv(schema: object, standalone = false): Ajv2020 {
  // Required, not imported: Ajv (some 80 modules) loads only when this runs, and synchronously (keyplan/constructs).
  const { default: Ajv } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof Ajv2020Module;
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    strictRequired: false,
    strictTypes: false,
    ...(standalone ? { code: { source: true } } : {}),
  });
  ajv.addSchema(schema);
  return ajv;
}
