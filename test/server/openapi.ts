import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

type Json = Record<string, unknown>;

const specPath = fileURLToPath(new URL('../../schema/key-service.openapi.yaml', import.meta.url));
export const spec = parse(readFileSync(specPath, 'utf8')) as Json;

const ajv = new Ajv2020({ strict: false, allErrors: true });
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
ajv.addSchema(spec, 'openapi');

const compiled = new Map<string, ValidateFunction>();
const escape = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

function validatorFor(pointer: string): ValidateFunction {
  let validate = compiled.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `openapi#${pointer}` });
    compiled.set(pointer, validate);
  }
  return validate;
}

function templateFor(path: string): string | undefined {
  const paths = Object.keys(spec.paths as Json);
  return paths.find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
}

/**
 * Checks a real response against the OpenAPI document: the operation must
 * document the status, and the body must match its schema. Unknown paths and
 * wrong methods must answer with the Error schema.
 */
export function assertMatchesSpec(method: string, url: string, status: number, body: unknown): void {
  const path = new URL(url, 'http://x').pathname;
  const template = templateFor(path);
  const operation = template ? ((spec.paths as Json)[template] as Json)[method.toLowerCase()] as Json | undefined : undefined;
  let pointer: string;
  if (!template || !operation) {
    if (status !== 404 && status !== 405) throw new Error(`${method} ${path} is not in the OpenAPI document but answered ${status}`);
    pointer = '/components/schemas/Error';
  } else {
    const responses = operation.responses as Json;
    const response = responses[String(status)] as Json | undefined;
    if (!response) throw new Error(`${method} ${template}: status ${status} is not documented`);
    if (status === 204) {
      if (body !== undefined) throw new Error(`${method} ${template}: a 204 with a body`);
      return;
    }
    const base = typeof response.$ref === 'string' ? (response.$ref as string).slice(1) : `/paths/${escape(template)}/${method.toLowerCase()}/responses/${status}`;
    pointer = `${base}/content/application~1json/schema`;
  }
  const validate = validatorFor(pointer);
  if (!validate(body)) {
    throw new Error(`${method} ${path} ${status} does not match the OpenAPI schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
  }
}
