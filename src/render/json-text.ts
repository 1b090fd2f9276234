/** Pieces of `JSON.stringify(…, null, 2)` text, written by hand where a renderer knows the shape of its values. */

/** Characters JSON.stringify escapes: quote, backslash, controls, and surrogates (it escapes lone ones). */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Exactly `JSON.stringify(text)`; most strings need no escaping and are only quoted. */
export function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** `JSON.stringify(text)` without its quotes: the text itself when it needs no escaping. */
export function jsonStringBody(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/**
 * `JSON.stringify(value, null, 2)` as it appears nested at `indent`: the line breaks JSON.stringify writes are the
 * only ones in its output (strings escape theirs), so each is followed by the indent.
 */
export function prettyJson(value: unknown, indent: string): string {
  const text = JSON.stringify(value, null, 2);
  return indent === '' ? text : text.replaceAll('\n', `\n${indent}`);
}
