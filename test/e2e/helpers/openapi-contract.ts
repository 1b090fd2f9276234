import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * A vendor's REST contract from its own OpenAPI 3 description (GitHub's `@octokit/openapi`, Cloudflare's and
 * GitLab's vendored under test/fixtures/vendor/): finds the operation a request is for and checks its path and
 * query parameters and body, and a response's status and body, against it. Schemas compile lazily, once per
 * location. As OpenAPI says, a `readOnly` property is never required in a request; response keys such as
 * `4XX` cover their range.
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
const BASE = 'contract';
/** The same description with readOnly properties dropped from `required`, for request bodies. */
const REQUEST_BASE = 'contract-request';

export class OpenApiContract {
  readonly #spec: Spec;
  readonly #ajv: Ajv;
  readonly #routes: { method: string; template: string; pattern: RegExp; names: string[]; specificity: number }[] = [];
  readonly #validators = new Map<string, ValidateFunction>();
  #requestViewAdded = false;

  /** `spec` is a parsed OpenAPI 3 document; it is adjusted in place (see nullableWithoutType). */
  constructor(spec: Record<string, unknown>) {
    this.#spec = spec as Spec;
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

  match(method: string, pathname: string): MatchedOperation | undefined {
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      const pathParams = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(found[i + 1] ?? '')]));
      const item = this.#spec.paths[route.template] as Record<string, Operation> & { parameters?: Operation['parameters'] };
      const own = item[method.toLowerCase()] as Operation;
      // Parameters written on the path item apply to each of its operations.
      const operation = item.parameters ? { ...own, parameters: [...item.parameters, ...(own.parameters ?? [])] } : own;
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
      const validate = this.#ajv.compile(rebased(param.schema ?? {}) as object);
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
    const validate = this.#validator(this.#bodyPointer(op, 'requestBody'), REQUEST_BASE);
    if (validate && !validate(body)) errors.push(`request body of ${op.operationId}: ${this.#ajv.errorsText(validate.errors, { dataVar: 'body' })}`);
    return errors;
  }

  /** Every way a response breaks the contract: an undocumented status, or a body that does not match. */
  checkResponse(op: MatchedOperation, status: number, body: unknown): string[] {
    const responses = op.operation.responses;
    const range = `${String(status).charAt(0)}XX`;
    const key = [String(status), range, range.toLowerCase(), 'default'].find((candidate) => candidate in responses);
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

  #validator(pointer: string | undefined, base = BASE): ValidateFunction | undefined {
    if (pointer === undefined) return undefined;
    let validate = this.#validators.get(`${base}${pointer}`);
    if (!validate) {
      if (base === REQUEST_BASE && !this.#requestViewAdded) {
        this.#ajv.addSchema(requestView(this.#spec), REQUEST_BASE);
        this.#requestViewAdded = true;
      }
      validate = this.#ajv.compile({ $ref: `${base}${pointer.split('/').map((s, i) => (i === 0 ? s : encodeURIComponent(unescapeURI(s)))).join('/')}` });
      this.#validators.set(`${base}${pointer}`, validate);
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

/** A parameter's schema, its local `$ref`s pointing into the added description. */
function rebased(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) => (key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${BASE}${value}` : value));
}

/** A copy of the description in which no object requires a property its schema marks readOnly (OpenAPI 3.0 §4.7.25). */
function requestView(spec: Spec): Spec {
  const copy = structuredClone(spec);
  const resolve = (node: unknown): unknown => {
    const ref = (node as { $ref?: unknown } | null)?.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
    let target: unknown = copy;
    for (const segment of ref.slice(2).split('/')) target = (target as Record<string, unknown> | undefined)?.[unescapeSegment(segment)];
    return resolve(target);
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const record = node as { properties?: Record<string, unknown>; required?: unknown };
    if (record.properties && Array.isArray(record.required)) {
      record.required = record.required.filter((name) => (resolve(record.properties?.[name as string]) as { readOnly?: unknown } | undefined)?.readOnly !== true);
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(copy);
  return copy;
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
  const choices = (schema as { oneOf?: unknown[]; anyOf?: unknown[] } | undefined)?.oneOf ?? (schema as { anyOf?: unknown[] } | undefined)?.anyOf;
  if (choices?.some((choice) => ['integer', 'number'].includes(String((choice as { type?: unknown }).type))) && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  const type = (schema as { type?: unknown } | undefined)?.type;
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}
