import type { CreateKeyInput, KeyPatch } from '../store/contract.js';
import type { FieldIssue } from '../store/errors.js';
import { keyFieldIssues } from '../store/shared/key-input.js';
import { parseDate } from '../core/duration.js';
import { ApiError } from './api-error.js';
import { MAX_PAGE_SIZE } from './wire.js';

const CREATE_FIELDS = new Set(['name', 'description', 'roles', 'expires_at', 'expires_in', 'metadata']);
const PATCH_FIELDS = new Set(['name', 'description', 'roles', 'metadata']);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

function invalid(issues: FieldIssue[]): ApiError {
  return new ApiError('unprocessable', `invalid request: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { fields: issues });
}

/** A key with no role can do nothing: the API refuses one (stores keep accepting it for their own tools and tests). */
function noRoles(fields: Record<string, unknown>): FieldIssue[] {
  return Array.isArray(fields.roles) && fields.roles.length === 0 ? [{ field: 'roles', message: 'must list at least one role' }] : [];
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid([{ field: '(body)', message: 'must be a JSON object' }]);
  return body as Record<string, unknown>;
}

/** The create body as store input, or a 422 listing every bad field. */
export function parseCreateBody(body: unknown, knownRoles: ReadonlySet<string>): Omit<CreateKeyInput, 'idempotencyKey' | 'actor'> {
  const fields = asObject(body);
  const issues: FieldIssue[] = [];
  for (const field of Object.keys(fields)) if (!CREATE_FIELDS.has(field)) issues.push({ field, message: 'is not a known field' });
  if (fields.name === undefined) issues.push({ field: 'name', message: 'is required' });
  if (fields.roles === undefined) issues.push({ field: 'roles', message: 'is required' });
  issues.push(...keyFieldIssues(fields, knownRoles), ...noRoles(fields));
  let expiresAt: number | null | undefined;
  if (fields.expires_at !== undefined && fields.expires_at !== null) {
    const text = fields.expires_at;
    const at = typeof text === 'string' && DATE_TIME.test(text) ? parseDate(text) : undefined;
    if (at === undefined) {
      issues.push({ field: 'expires_at', message: 'must be an ISO-8601 date-time of a real day and time, such as 2027-06-30T00:00:00Z, or null' });
    } else expiresAt = at;
  } else if (fields.expires_at === null) expiresAt = null;
  if (fields.expires_in !== undefined && typeof fields.expires_in !== 'string') issues.push({ field: 'expires_in', message: 'must be a duration like 90d, or never' });
  if (expiresAt != null && fields.expires_in !== undefined) issues.push({ field: 'expires_in', message: 'give expires_at or expires_in, not both' });
  if (issues.length > 0) throw invalid(issues);
  return {
    name: fields.name as string,
    description: fields.description as string | undefined,
    roles: fields.roles as string[],
    expiresAt,
    expiresIn: fields.expires_in as string | undefined,
    metadata: fields.metadata as Record<string, string> | undefined,
  };
}

/** The PATCH body as a store patch, or a 422 listing every bad field. */
export function parsePatchBody(body: unknown, knownRoles: ReadonlySet<string>, editable: readonly string[]): KeyPatch {
  const fields = asObject(body);
  const issues: FieldIssue[] = [];
  for (const field of Object.keys(fields)) {
    if (field === 'expires_at' || field === 'expires_in') issues.push({ field, message: 'is not editable in place; create a new key (rotate) instead' });
    else if (!PATCH_FIELDS.has(field)) issues.push({ field, message: 'is not a known field' });
    else if (!editable.includes(field)) issues.push({ field, message: 'is not editable in place on this service' });
  }
  issues.push(...keyFieldIssues(fields, knownRoles), ...noRoles(fields));
  if (issues.length > 0) throw invalid(issues);
  return {
    name: fields.name as string | undefined,
    description: fields.description as string | undefined,
    roles: fields.roles as string[] | undefined,
    metadata: fields.metadata as Record<string, string> | undefined,
  };
}

export function parsePage(query: URLSearchParams): { limit: number; cursor?: string } {
  const limitText = query.get('limit');
  const limit = limitText === null ? 100 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE || (limitText !== null && !/^\d+$/.test(limitText))) {
    throw invalid([{ field: 'limit', message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` }]);
  }
  const cursor = query.get('cursor') ?? undefined;
  return cursor ? { limit, cursor } : { limit };
}

export function parseBooleanQuery(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || value === 'false') return false;
  if (value === 'true') return true;
  throw invalid([{ field: name, message: 'must be true or false' }]);
}

/** The version an If-Match header asks for: undefined for none or `*`; a 412 when it names no version of ours. */
export function parseIfMatch(header: string | undefined): number | 'any' | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return 'any';
  const match = /^(?:W\/)?"(\d{1,15})"$/.exec(value);
  if (!match) throw new ApiError('precondition_failed', 'If-Match must be an ETag from this service, e.g. "3"');
  return Number(match[1]);
}
