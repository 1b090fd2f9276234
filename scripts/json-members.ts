/** Where the members of a JSON object are in its text, so a generator can replace some and leave the rest byte for byte. */
export interface Member {
  key: string;
  /** Offset of the key's opening quote. */
  start: number;
  /** Offset just past the value. */
  end: number;
  valueStart: number;
}

export function membersOf(text: string, objectStart: number): Member[] {
  if (text[objectStart] !== '{') throw new Error(`no object at offset ${objectStart}`);
  const members: Member[] = [];
  let at = skipSpace(text, objectStart + 1);
  while (text[at] !== '}') {
    const start = at;
    const keyEnd = skipValue(text, at);
    const key = JSON.parse(text.slice(at, keyEnd)) as string;
    at = skipSpace(text, keyEnd);
    if (text[at] !== ':') throw new Error(`expected : at offset ${at}`);
    const valueStart = skipSpace(text, at + 1);
    const end = skipValue(text, valueStart);
    members.push({ key, start, end, valueStart });
    at = skipSpace(text, end);
    if (text[at] === ',') at = skipSpace(text, at + 1);
  }
  return members;
}

export function memberAt(text: string, objectStart: number, key: string): Member {
  const found = membersOf(text, objectStart).find((member) => member.key === key);
  if (!found) throw new Error(`no member ${JSON.stringify(key)} in the object at offset ${objectStart}`);
  return found;
}

function skipSpace(text: string, at: number): number {
  while (/\s/.test(text[at] ?? '')) at++;
  return at;
}

function skipValue(text: string, at: number): number {
  const first = text[at];
  if (first === '"') {
    let i = at + 1;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    return i + 1;
  }
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let i = at; i < text.length; i++) {
      const c = text[i];
      if (c === '"') i = skipValue(text, i) - 1;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    throw new Error('unterminated JSON value');
  }
  const match = /^[^,\]}\s]+/.exec(text.slice(at));
  return at + (match?.[0].length ?? 0);
}

/** JSON in the schema file's style: an object or array on one line when it fits, else one member per line. */
export function formatJson(value: unknown, indent: number, width = 160): string {
  const inline = inlineJson(value);
  if (indent + inline.length <= width || value === null || typeof value !== 'object') return inline;
  const pad = ' '.repeat(indent + 2);
  if (Array.isArray(value)) return `[\n${value.map((item) => pad + formatJson(item, indent + 2, width)).join(',\n')}\n${' '.repeat(indent)}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${formatJson(v, indent + 2, width - JSON.stringify(k).length - 2)}`).join(',\n')}\n${' '.repeat(indent)}}`;
}

function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}
