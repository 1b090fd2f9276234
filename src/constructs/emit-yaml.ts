/** A value with a `# comment` line written just before it. */
export class Commented {
  constructor(
    readonly comment: string,
    readonly value: unknown,
  ) {}
}

const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~|\.inf|\.nan)$/i;
/** Letters, digits and `_ . / - :` (a colon never last), starting with a letter, `_`, `.` or `/`. */
const PLAIN = /^[A-Za-z_./][A-Za-z0-9_./:-]*(?<!:)$/;
const DURATION = /^[0-9]{1,9}(s|m|h|d|w|mo|y)$/;

/**
 * Plain data -> block-style YAML: no anchors or aliases, no flow collections except `[]` and `{}`, strings
 * plain only when no YAML reader could take them for anything else (else JSON-quoted, which YAML reads alike).
 */
export function emitYaml(data: Record<string, unknown>): string {
  const lines: string[] = [];
  emitMap(data, 0, lines);
  return `${lines.join('\n')}\n`;
}

function emitMap(map: Record<string, unknown>, indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  for (const [key, entry] of Object.entries(map)) {
    const value = unwrap(entry, pad, lines);
    if (value === undefined) continue;
    const head = `${pad}${scalar(key)}:`;
    if (isCollection(value) && !isEmpty(value)) {
      lines.push(head);
      emitCollection(value, indent + 2, lines);
    } else lines.push(`${head} ${inline(value)}`);
  }
}

function emitList(list: readonly unknown[], indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  for (const entry of list) {
    const value = unwrap(entry, pad, lines);
    if (!isCollection(value) || isEmpty(value)) {
      lines.push(`${pad}- ${inline(value)}`);
      continue;
    }
    const start = lines.length;
    emitCollection(value, indent + 2, lines);
    lines[start] = `${pad}- ${(lines[start] ?? '').slice(indent + 2)}`;
  }
}

function emitCollection(value: object, indent: number, lines: string[]): void {
  if (Array.isArray(value)) emitList(value, indent, lines);
  else emitMap(value as Record<string, unknown>, indent, lines);
}

function unwrap(entry: unknown, pad: string, lines: string[]): unknown {
  if (!(entry instanceof Commented)) return entry;
  for (const line of entry.comment.split('\n')) lines.push(`${pad}# ${line}`);
  return entry.value;
}

function isCollection(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function isEmpty(value: object): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return '[]';
  if (isCollection(value)) return '{}';
  return scalar(value);
}

function scalar(value: unknown): string {
  if (typeof value === 'string') return (PLAIN.test(value) && !RESERVED.test(value)) || DURATION.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return 'null';
}
