import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { ConfigIssue } from '../core/errors.js';
import type { SourceDocument } from '../core/config.js';
import { issueFromSchemaError } from './schema-messages.js';

/** Which shape a file must have: the root config, or a file pulled in by `include:`. */
export type FileRole = 'root' | 'included';

const SCHEMA_URL = new URL('../../schema/keys.schema.json', import.meta.url);

let validators: Record<FileRole, ValidateFunction> | undefined;

function compile(): Record<FileRole, ValidateFunction> {
  const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as { $id: string };
  // verbose: errors carry the failing value and schema, used to word messages and suggest property names.
  const ajv = new Ajv2020Module.default({ allErrors: true, verbose: true, strict: true, strictRequired: false, strictTypes: false });
  ajv.addSchema(schema);
  const get = (ref: string): ValidateFunction => {
    const validate = ajv.getSchema(`${schema.$id}#/$defs/${ref}`);
    if (!validate) throw new Error(`schema/keys.schema.json has no $defs/${ref}`);
    return validate;
  };
  return { root: get('rootFile'), included: get('includedFile') };
}

/** Checks a parsed file against schema/keys.schema.json; every violation becomes a positioned issue. */
export function validateAgainstSchema(doc: SourceDocument, role: FileRole): ConfigIssue[] {
  validators ??= compile();
  const validate = validators[role];
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
