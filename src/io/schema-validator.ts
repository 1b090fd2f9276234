import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { ConfigIssue } from '../core/errors.js';
import type { SourceDocument } from '../core/config.js';
import { issueFromSchemaError } from './schema-messages.js';

/** Which shape a file must have: the root config, or a file pulled in by `include:`. */
export type FileRole = 'root' | 'included';

const PRECOMPILED = new URL('./keys-schema.validators.cjs', import.meta.url);

let validators: Promise<Record<FileRole, ValidateFunction>> | undefined;

/**
 * The build's precompiled validators when present (`npm run build`), else the schema compiled now. Ajv itself
 * (some 80 modules) loads only in the second case: the precompiled code needs two small runtime helpers.
 */
async function load(): Promise<Record<FileRole, ValidateFunction>> {
  if (existsSync(PRECOMPILED)) return createRequire(import.meta.url)(fileURLToPath(PRECOMPILED)) as Record<FileRole, ValidateFunction>;
  const { createSchemaAjv, FILE_DEFS, KEYS_SCHEMA_URL } = await import('./schema-compiler.js');
  const schema = JSON.parse(readFileSync(KEYS_SCHEMA_URL, 'utf8')) as { $id: string };
  const ajv = createSchemaAjv(schema);
  const get = (role: FileRole): ValidateFunction => {
    const validate = ajv.getSchema(`${schema.$id}#/$defs/${FILE_DEFS[role]}`);
    if (!validate) throw new Error(`schema/keys.schema.json has no $defs/${FILE_DEFS[role]}`);
    return validate;
  };
  return { root: get('root'), included: get('included') };
}

/** The validators, loaded once; for callers that must then check synchronously (keyplan/constructs). */
export function schemaValidators(): Promise<SchemaValidators> {
  validators ??= load();
  return validators;
}

export type SchemaValidators = Record<FileRole, ValidateFunction>;

/** Checks a parsed file against schema/keys.schema.json; every violation becomes a positioned issue. */
export async function validateAgainstSchema(doc: SourceDocument, role: FileRole): Promise<ConfigIssue[]> {
  return schemaIssues(await schemaValidators(), doc, role);
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
