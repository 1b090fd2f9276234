/**
 * Escaping by context, for markdown that GitHub renders (CommonMark + GFM). Backslash escapes work in
 * markdown text but not in HTML (`<summary>`, `<code>`) nor inside code spans, so each context has its own.
 */

/** Text in a markdown paragraph, list item or table cell: every character that could start markup is escaped. */
export function mdText(text: string): string {
  return oneLine(text).replace(/[\\`*_{}[\]<>|~&]/g, (c) => `\\${c}`);
}

/** Text inside an HTML element (`<summary>`, `<code>`, `<b>`): entities, because backslashes would show. */
export function htmlText(text: string): string {
  return oneLine(text).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * A code span holding `text` verbatim: the fence is one backtick longer than any run inside, padded when the
 * text starts or ends with a backtick. In a table cell `|` still splits the row, so it is escaped there
 * (GFM removes that backslash before the code span is read).
 */
export function codeSpan(text: string, options: { inTable?: boolean } = {}): string {
  let body = oneLine(text);
  if (options.inTable) body = body.replace(/\|/g, '\\|');
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || body === '' ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** Comments are one logical line per item: newlines in user text become spaces. */
function oneLine(text: string): string {
  return text.replace(/\r\n?|\n/g, ' ');
}
