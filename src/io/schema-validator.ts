import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { ConfigIssue } from '../core/errors.js';
import type { SourceDocument } from '../core/config.js';
import { createSchemaAjv, FILE_DEFS, KEYS_SCHEMA_URL } from './schema-compiler.js';
import { issueFromSchemaError } from './schema-messages.js';

/** Which shape a file must have: the root config, or a file pulled in by `include:`. */
export type FileRole = 'root' | 'included';

const PRECOMPILED = new URL('./keys-schema.validators.cjs', import.meta.url);

let validators: SchemaValidators | undefined;

/**
 * The build's precompiled validators when present (`npm run build`), else the schema compiled now. Ajv itself
 * (some 80 modules) loads only in the second case: the precompiled code needs two small runtime helpers.
 * Synchronous, so nothing needs a top-level await (keyplan/constructs loads through `require` too).
 */
function load(): SchemaValidators {
  if (existsSync(PRECOMPILED)) return createRequire(import.meta.url)(fileURLToPath(PRECOMPILED)) as SchemaValidators;
  const schema = JSON.parse(readFileSync(KEYS_SCHEMA_URL, 'utf8')) as { $id: string };
  const ajv = createSchemaAjv(schema);
  const get = (role: FileRole): ValidateFunction => {
    const validate = ajv.getSchema(`${schema.$id}#/$defs/${FILE_DEFS[role]}`);
    if (!validate) throw new Error(`schema/keys.schema.json has no $defs/${FILE_DEFS[role]}`);
    return validate;
  };
  return { root: get('root'), included: get('included') };
}

/** The validators, loaded once on first use; synchronous for callers that check synchronously (keyplan/constructs). */
export function schemaValidators(): SchemaValidators {
  validators ??= load();
  return validators;
}

export type SchemaValidators = Record<FileRole, ValidateFunction>;

/** Checks a parsed file against schema/keys.schema.json; every violation becomes a positioned issue. */
export async function validateAgainstSchema(doc: SourceDocument, role: FileRole): Promise<ConfigIssue[]> {
  return schemaIssues(schemaValidators(), doc, role);
}

/** validateAgainstSchema with the validators already loaded. */
export function schemaIssues(loaded: SchemaValidators, doc: SourceDocument, role: FileRole): ConfigIssue[] {
  const validate = loaded[role];
  if (validate(doc.data)) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const error of (validate.errors ?? []) as ErrorObject[]) {
    const issue = issueFromSchemaError(error, doc, role);
    if (!issue) continue;
    const id = `${issue.path}\u0000${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
}
