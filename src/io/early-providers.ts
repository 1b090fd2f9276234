import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ProviderConfig } from '../core/model.js';
import { normalizeProviders } from '../core/config-policy.js';
import { IssueList } from '../core/config-values.js';
import { BUILT_IN_NORMALIZERS } from '../providers/normalizers.js';
import { displayPath } from './display-path.js';
import { parseYamlSource } from './yaml-source.js';

/**
 * The root file's `providers:` as the full load will normalize them, read without parsing the rest of the file,
 * so `plan` can start listing keys while the key files load. Takes the block of lines from a top-level
 * `providers:` line to the next top-level line and parses it alone, padded with as many empty lines as precede
 * it, so every position is the one the whole file gives. Undefined when the file has no such block (the default
 * provider, or a layout this does not read) or the block has a problem: the caller then simply does not start
 * early. The caller still compares the result with the full load's providers before using what it listed.
 * `minBytes`: also undefined for a root file shorter than this that includes no other file (too small to gain).
 */
export async function readProvidersEarly(
  path: string,
  { cwd = process.cwd(), minBytes = 0 }: { cwd?: string; minBytes?: number } = {},
): Promise<Record<string, ProviderConfig> | undefined> {
  const rootPath = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(rootPath, 'utf8');
  } catch {
    return undefined;
  }
  if (text.length < minBytes && !/^include:/m.test(text)) return undefined;
  const block = providersBlock(text);
  if (block === undefined) return undefined;
  const shown = displayPath(rootPath, cwd);
  const parsed = parseYamlSource(block, rootPath, shown);
  if (!parsed.ok) return undefined;
  const issues = new IssueList();
  const { providers } = normalizeProviders(parsed.doc, dirname(rootPath), issues, BUILT_IN_NORMALIZERS);
  return issues.items.length === 0 && Object.keys(providers).length > 0 ? providers : undefined;
}

/** The `providers:` block with the lines before it blanked, or undefined unless there is exactly one. */
export function providersBlock(text: string): string | undefined {
  const lines = text.split('\n');
  const starts = lines.flatMap((line, index) => (/^providers:/.test(line) ? [index] : []));
  if (starts.length !== 1) return undefined;
  const start = starts[0] as number;
  let end = start + 1;
  while (end < lines.length && /^(?:[ #\r]|$)/.test(lines[end] as string)) end++;
  return `${'\n'.repeat(start)}${lines.slice(start, end).join('\n')}\n`;
}
