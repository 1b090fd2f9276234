import { FAILSAFE_SCHEMA, Type } from 'js-yaml';

/**
 * Tags of the implicit scalar types below. They are private so that an explicit tag written in a file
 * (`!!int`, `!!bool`) is never one of them, and the fast reader can tell explicit tags apart and step aside.
 */
export const IMPLICIT_TAG_PREFIX = 'tag:keyplan.invalid,2025:';

function plainScalar(name: string, pattern: RegExp, construct: (text: string) => unknown): Type {
  return new Type(`${IMPLICIT_TAG_PREFIX}${name}`, {
    kind: 'scalar',
    resolve: (data: unknown) => typeof data === 'string' && pattern.test(data),
    construct: (data: string) => construct(data),
  });
}

/**
 * js-yaml resolving plain scalars exactly as the `yaml` package's YAML 1.2 core schema does (same patterns,
 * same order), so both readers give the same data. js-yaml's own CORE_SCHEMA differs: it reads `0b101`
 * and `1_000` as numbers.
 */
export const YAML_CORE_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [
    plainScalar('null', /^(?:~|[Nn]ull|NULL)?$/, () => null),
    plainScalar('bool', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (text) => text[0] === 't' || text[0] === 'T'),
    plainScalar('int-oct', /^0o[0-7]+$/, (text) => parseInt(text.substring(2), 8)),
    plainScalar('int', /^[-+]?[0-9]+$/, (text) => parseInt(text, 10)),
    plainScalar('int-hex', /^0x[0-9a-fA-F]+$/, (text) => parseInt(text.substring(2), 16)),
    plainScalar('float-nan', /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/, (text) =>
      text.slice(-3).toLowerCase() === 'nan' ? NaN : text.startsWith('-') ? -Infinity : Infinity,
    ),
    plainScalar('float-exp', /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, parseFloat),
    plainScalar('float', /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, parseFloat),
  ],
});
