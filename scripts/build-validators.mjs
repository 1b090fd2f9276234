// Build step: compiles schema/keys.schema.json into standalone validator code (dist/io/keys-schema.validators.cjs),
// so `keyplan` does not compile the schema on every run. Runs after tsc (see package.json "build").
import { readFileSync, writeFileSync } from 'node:fs';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { createSchemaAjv, FILE_DEFS, KEYS_SCHEMA_URL } from '../dist/io/schema-compiler.js';

const schema = JSON.parse(readFileSync(KEYS_SCHEMA_URL, 'utf8'));
const ajv = createSchemaAjv(schema, true);
const refs = Object.fromEntries(Object.entries(FILE_DEFS).map(([role, def]) => [role, `${schema.$id}#/$defs/${def}`]));
const code = standaloneCode.default(ajv, refs);
writeFileSync(new URL('../dist/io/keys-schema.validators.cjs', import.meta.url), code);
