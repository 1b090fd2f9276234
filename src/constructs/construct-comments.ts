/** The comment synth writes before each provider and key, naming the construct that declared it. */
export const CONSTRUCT_COMMENT = 'construct: ';
/** The second line of every keys.yaml keyplan/constructs writes. */
export const SYNTHESIZED_HEADER = '# Written by keyplan/constructs: change the program that declares these keys, not this file.';

const COMMENT_LINE = /^\s*# construct: (.*)$/;
/** `team/Key (../app/keys.ts:10:5)`: the construct path, then where the program declared it. */
const WITH_SOURCE = /^(.*) \((.+):(\d+):(\d+)\)$/;

/** A `# construct:` comment: the construct path, and where the program declared it when known. */
export interface ConstructComment {
  path: string;
  /** `file` is relative to the keys.yaml's directory (or absolute), with `/` separators. */
  source?: { file: string; line: number; column: number };
}

/** The text of a `# construct:` comment (after `# `). */
export function constructComment({ path, source }: ConstructComment): string {
  return `${CONSTRUCT_COMMENT}${path}${source ? ` (${source.file}:${source.line}:${source.column})` : ''}`;
}

/** Whether a keys.yaml text was written by a program: keyplan/constructs' header, or any `# construct:` comment. */
export function isSynthesized(text: string): boolean {
  return text.slice(0, 4096).includes(SYNTHESIZED_HEADER) || /^\s*# construct: /m.test(text);
}

/**
 * For a 1-based line of a synthesized keys.yaml, the nearest `# construct:` comment above it (the file's first
 * such comment names the KeyPlan itself); undefined for a file no program wrote.
 */
export function constructAt(text: string, line: number): ConstructComment | undefined {
  const lines = text.split('\n');
  for (let index = Math.min(line, lines.length) - 1; index >= 0; index -= 1) {
    const match = COMMENT_LINE.exec(lines[index] ?? '');
    if (match?.[1] !== undefined) return parseComment(match[1]);
  }
  return undefined;
}

/** The construct path at a line (see constructAt). */
export function constructPathAt(text: string, line: number): string | undefined {
  return constructAt(text, line)?.path;
}

function parseComment(body: string): ConstructComment {
  const match = WITH_SOURCE.exec(body);
  if (!match?.[1] || !match[2]) return { path: body };
  return { path: match[1], source: { file: match[2], line: Number(match[3]), column: Number(match[4]) } };
}
