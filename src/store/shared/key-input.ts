import type { FieldIssue } from '../errors.js';
import { illFormedText, keyNameProblem } from './key-name.js';
import { holdsKeySecret } from './secrets.js';

const MAX_NAME = 128;
const MAX_DESCRIPTION = 1024;
const MAX_ROLES = 32;
const MAX_METADATA_ENTRIES = 64;
const MAX_METADATA_KEY = 128;
const MAX_METADATA_VALUE = 1024;

export interface KeyFields {
  name?: unknown;
  description?: unknown;
  roles?: unknown;
  metadata?: unknown;
}

/** Every problem with the given fields (absent fields are not checked), against the known role names. */
export function keyFieldIssues(fields: KeyFields, knownRoles: ReadonlySet<string>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (field: string, message: string) => issues.push({ field, message });
  if (fields.name !== undefined) {
    if (typeof fields.name !== 'string' || fields.name.trim() === '') add('name', 'must be a non-empty string');
    else if (fields.name.length > MAX_NAME) add('name', `must be at most ${MAX_NAME} characters`);
    else {
      const problem = keyNameProblem(fields.name);
      if (problem) add('name', problem);
    }
  }
  if (fields.description !== undefined) {
    if (typeof fields.description !== 'string') add('description', 'must be a string');
    else if (fields.description.length > MAX_DESCRIPTION) add('description', `must be at most ${MAX_DESCRIPTION} characters`);
    else if (illFormedText(fields.description)) add('description', illFormedText(fields.description) as string);
  }
  if (fields.roles !== undefined) {
    if (!Array.isArray(fields.roles) || fields.roles.some((role) => typeof role !== 'string')) add('roles', 'must be a list of role names');
    else if (fields.roles.length > MAX_ROLES) add('roles', `must have at most ${MAX_ROLES} roles`);
    else {
      const unknown = fields.roles.filter((role: string) => !knownRoles.has(role));
      if (unknown.length > 0) add('roles', `unknown role ${unknown.map((r) => `"${r}"`).join(', ')}; known roles: ${[...knownRoles].join(', ')}`);
      if (new Set(fields.roles).size !== fields.roles.length) add('roles', 'must not repeat a role');
    }
  }
  if (fields.metadata !== undefined) {
    const metadata = fields.metadata;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) add('metadata', 'must be a map of strings');
    else {
      const entries = Object.entries(metadata);
      if (entries.length > MAX_METADATA_ENTRIES) add('metadata', `must have at most ${MAX_METADATA_ENTRIES} entries`);
      for (const [key, value] of entries) {
        if (key === '' || key.length > MAX_METADATA_KEY) add(`metadata.${key}`, `keys must be 1 to ${MAX_METADATA_KEY} characters`);
        else if (illFormedText(key)) add('metadata', `keys ${illFormedText(key) as string}`);
        else if (typeof value !== 'string') add(`metadata.${key}`, 'must be a string');
        else if (value.length > MAX_METADATA_VALUE) add(`metadata.${key}`, `must be at most ${MAX_METADATA_VALUE} characters`);
        else if (illFormedText(value)) add(`metadata.${key}`, illFormedText(value) as string);
        else if (holdsKeySecret(value)) add(`metadata.${key}`, 'looks like a keyplan secret; metadata is stored in plain text, so a secret never belongs in it');
      }
    }
  }
  return issues;
}
