import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';

/** Key ids (random) become `key_<n>` in order of first appearance, as long as the real ones. */
export function standInKeyIds(text: string): string {
  const ids = new Map<string, string>();
  return text.replace(/key_[0-9A-HJKMNP-TV-Z]{26}/g, (id) => {
    if (!ids.has(id)) ids.set(id, `key_${String(ids.size).padStart(26, '0')}`);
    return ids.get(id) as string;
  });
}

/**
 * Compares `actual` with the fixture file `name` in `dir`, byte for byte. With KEYPLAN_RECORD_FIXTURES set, records
 * it first (after an intended change of the output).
 */
export async function expectFixture(dir: string, name: string, actual: string): Promise<void> {
  const file = join(dir, name);
  if (process.env.KEYPLAN_RECORD_FIXTURES) await writeFile(file, actual);
  expect(actual).toBe(await readFile(file, 'utf8'));
}
