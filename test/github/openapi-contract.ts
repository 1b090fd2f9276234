import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * GitHub's REST contract, from GitHub's own OpenAPI description (`@octokit/openapi`, api.github.com): finds the
 * operation a request is for and checks its path and query parameters and body, and a response's status and
 * body, against it. Schemas compile lazily, once per location.
 */

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
}

interface Operation {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, unknown> } | { $ref: string };
  responses: Record<string, unknown>;
}

export interface MatchedOperation {
  method: string;
  template: string;
  operationId: string;
  pathParams: Record<string, string>;
  operation: Operation;
}

type Spec = { paths: Record<string, Record<string, Operation>> } & Record<string, unknown>;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const BASE = 'github-rest';

export class GitHubContract {
  static #loaded: GitHubContract | undefined;
  readonly #spec: Spec;
  readonly #ajv: Ajv;
  readonly #routes: { method: string; template: string; pattern: RegExp; names: string[]; specificity: number }[] = [];
  readonly #validators = new Map<string, ValidateFunction>();

  private constructor() {
    const require = createRequire(import.meta.url);
    this.#spec = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as Spec;
    nullableWithoutType(this.#spec);
    this.#ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
    addFormats(this.#ajv);
    this.#ajv.addSchema(this.#spec, BASE);
    for (const [template, methods] of Object.entries(this.#spec.paths)) {
      const names: string[] = [];
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      for (const method of Object.keys(methods)) {
        this.#routes.push({ method: method.toUpperCase(), template, pattern: new RegExp(`^${source}$`), names, specificity: -names.length });
      }
    }
    this.#routes.sort((a, b) => b.specificity - a.specificity);
  }

  static load(): GitHubContract {
    GitHubContract.#loaded ??= new GitHubContract();
    return GitHubContract.#loaded;
  }

  match(method: string, pathname: string): MatchedOperation | undefined {
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      const pathParams = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(found[i + 1] ?? '')]));
      const operation = this.#spec.paths[route.template]?.[method.toLowerCase()] as Operation;
      return { method, template: route.template, operationId: operation.operationId, pathParams, operation };
    }
    return undefined;
  }

  /** Every way the request breaks the contract; empty when it keeps it. */
  checkRequest(op: MatchedOperation, query: URLSearchParams, body: unknown): string[] {
    const errors: string[] = [];
    const params = (op.operation.parameters ?? []).map((p) => this.#resolve<Parameter>(p));
    const known = new Set(params.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of new Set(query.keys())) if (!known.has(name)) errors.push(`query parameter ${name} is not in the contract of ${op.operationId}`);
    for (const param of params) {
      if (param.in !== 'path' && param.in !== 'query') continue;
      const raw = param.in === 'path' ? op.pathParams[param.name] : (query.get(param.name) ?? undefined);
      if (raw === undefined) {
        if (param.required) errors.push(`${param.in} parameter ${param.name} is required by ${op.operationId}`);
        continue;
      }
      const validate = this.#ajv.compile(param.schema ?? {});
      const value = coerce(raw, param.schema);
      if (!validate(value)) errors.push(`${param.in} parameter ${param.name}=${raw}: ${this.#ajv.errorsText(validate.errors)}`);
    }
    const requestBody = op.operation.requestBody ? this.#resolve<{ required?: boolean; content?: Record<string, unknown> }>(op.operation.requestBody) : undefined;
    if (!requestBody) {
      if (body !== undefined) errors.push(`${op.operationId} takes no request body`);
      return errors;
    }
    if (body === undefined) {
      if (requestBody.required) errors.push(`${op.operationId} requires a request body`);
      return errors;
    }
    const validate = this.#validator(this.#bodyPointer(op, 'requestBody'));
    if (validate && !validate(body)) errors.push(`request body of ${op.operationId}: ${this.#ajv.errorsText(validate.errors, { dataVar: 'body' })}`);
    return errors;
  }

  /** Every way a response breaks the contract: an undocumented status, or a body that does not match. */
  checkResponse(op: MatchedOperation, status: number, body: unknown): string[] {
    const responses = op.operation.responses;
    const key = String(status) in responses ? String(status) : 'default' in responses ? 'default' : undefined;
    if (key === undefined) return [`${op.operationId} does not document status ${status} (documents ${Object.keys(responses).join(', ')})`];
    const pointer = this.#bodyPointer(op, 'responses', key);
    if (pointer === undefined) return body === undefined || body === '' ? [] : [`${op.operationId} ${status} has no body in the contract`];
    const validate = this.#validator(pointer);
    if (validate && !validate(body)) return [`response ${status} of ${op.operationId}: ${this.#ajv.errorsText(validate.errors, { dataVar: 'body' })}`];
    return [];
  }

  /** A copy of GitHub's own example response for this status (the first item, for a list), to build answers from. */
  example(op: MatchedOperation, status: number): Record<string, unknown> {
    const pointer = this.#bodyPointer(op, 'responses', String(status));
    const content = pointer === undefined ? undefined : (this.#at(pointer.replace(/\/schema$/, '')) as { examples?: Record<string, { $ref?: string; value?: unknown }> });
    const first = Object.values(content?.examples ?? {})[0];
    const value = first?.$ref ? (this.#at(first.$ref) as { value?: unknown }).value : first?.value;
    const one = Array.isArray(value) ? value[0] : value;
    return structuredClone((one ?? {}) as Record<string, unknown>);
  }

  /** The pointer to the JSON schema of a request or response body, following a $ref to a shared one. */
  #bodyPointer(op: MatchedOperation, ...where: string[]): string | undefined {
    let pointer = ['#', 'paths', op.template, op.method.toLowerCase(), ...where].map(escapeSegment).join('/');
    let node = this.#at(pointer) as { $ref?: string; content?: Record<string, { schema?: unknown }> } | undefined;
    if (node?.$ref) {
      pointer = node.$ref.split('/').map((s, i) => (i === 0 ? s : escapeSegment(unescapeSegment(s)))).join('/');
      node = this.#at(pointer) as typeof node;
    }
    if (!node?.content?.['application/json']?.schema) return undefined;
    return `${pointer}/content/${escapeSegment('application/json')}/schema`;
  }

  #validator(pointer: string | undefined): ValidateFunction | undefined {
    if (pointer === undefined) return undefined;
    let validate = this.#validators.get(pointer);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: `${BASE}${pointer.split('/').map((s, i) => (i === 0 ? s : encodeURIComponent(unescapeURI(s)))).join('/')}` });
      this.#validators.set(pointer, validate);
    }
    return validate;
  }

  #at(pointer: string): unknown {
    let node: unknown = this.#spec;
    for (const segment of pointer.split('/').slice(1)) node = (node as Record<string, unknown> | undefined)?.[unescapeSegment(unescapeURI(segment))];
    return node;
  }

  #resolve<T>(value: T | { $ref: string }): T {
    const ref = (value as { $ref?: string }).$ref;
    return ref ? (this.#at(ref) as T) : (value as T);
  }
}

/**
 * OpenAPI 3.0 allows `nullable: true` beside `allOf`/`anyOf` with no `type`, which ajv refuses: such a schema
 * becomes `anyOf: [itself, {type: null}]`, which means the same; a nullable `enum` admits null, as GitHub sends it.
 */
function nullableWithoutType(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) nullableWithoutType(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  for (const value of Object.values(record)) nullableWithoutType(value);
  if (record.nullable === true && Array.isArray(record.enum) && !record.enum.includes(null)) record.enum = [...record.enum, null];
  if (record.nullable === true && record.type === undefined) {
    const rest = { ...record };
    delete rest.nullable;
    for (const key of Object.keys(record)) delete record[key];
    record.anyOf = [rest, { type: 'null' }];
  }
}

function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function unescapeURI(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function coerce(raw: string, schema: unknown): unknown {
  const type = (schema as { type?: unknown } | undefined)?.type;
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}
