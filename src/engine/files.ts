import { resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { displayPath } from '../io/display-path.js';

/** Writes a file keyplan generates (a saved plan, imported YAML) atomically; returns its name as messages show it. */
export async function writeGeneratedFile(path: string, text: string, mode?: number): Promise<string> {
  await writeFileAtomic(path, text, mode);
  return displayPath(resolve(path));
}
