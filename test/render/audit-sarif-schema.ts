import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext its function sits on `default` at run time.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => void;

/**
 * The official SARIF 2.1.0 (rtm.5) JSON schema, as shipped by the npm package @microsoft/jest-sarif (MIT).
 * It is written in draft-04: Ajv compiles it with `$id` for `id`, and without unicode regexps because one
 * of its patterns (the language tag) is not a valid unicode-mode regexp.
 */
export function sarifValidator() {
  const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif/sarif-2.1.0-rtm.5.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const { $schema: _dialect, id, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile({ ...rest, $id: id } as object);
}
