import { readFile } from 'node:fs/promises';
import { REPO_ROOT } from './installed-package.js';

/**
 * The body of the README's fenced code block whose first line is `firstLine` (e.g. `// keys.ts`), exactly as
 * written, so a test runs what a reader copies.
 */
export async function readmeBlock(firstLine: string): Promise<string> {
  const readme = await readFile(`${REPO_ROOT}README.md`, 'utf8');
  const blocks = [...readme.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
  const found = blocks.filter((block) => block.startsWith(`${firstLine}\n`));
  if (found.length !== 1) throw new Error(`README.md has ${found.length} code blocks starting with ${JSON.stringify(firstLine)}; expected one`);
  return found[0] as string;
}
