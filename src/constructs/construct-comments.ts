/** The comment synth writes before each provider and key, naming the construct that declared it. */
export const CONSTRUCT_COMMENT = 'construct: ';

const COMMENT_LINE = /^\s*# construct: (.*)$/;

/**
 * For a 1-based line of a synthesized keys.yaml, the construct path of the nearest `# construct:` comment above
 * it (the file's first such comment names the KeyPlan itself); undefined for a file no program wrote.
 */
export function constructPathAt(text: string, line: number): string | undefined {
  const lines = text.split('\n');
  for (let index = Math.min(line, lines.length) - 1; index >= 0; index -= 1) {
    const match = COMMENT_LINE.exec(lines[index] ?? '');
    if (match) return match[1];
  }
  return undefined;
}
