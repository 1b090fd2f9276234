import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { ConfigError, type ConfigIssue } from '../../src/core/errors.js';
import { loadConfig } from '../../src/io/load-config.js';

/** A temp directory holding config files; `files` maps relative paths to contents. */
export async function makeConfigDir(files: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'keyplan-config-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** In a describe block: `setup(files)` makes a config dir for the current test, removed after it. */
export function useConfigDirs(): (files: Record<string, string>) => Promise<string> {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
  return async (files) => {
    const made = await makeConfigDir(files);
    cleanup = made.cleanup;
    return made.dir;
  };
}

export const NOW = Date.UTC(2026, 0, 1);

/** Loads a config expected to be invalid and returns its issues (fails the test when it loads). */
export async function issuesOf(path: string, cwd: string): Promise<ConfigIssue[]> {
  try {
    await loadConfig(path, { cwd, now: NOW });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error(`${path} loaded without issues`);
}

/** `line:column message` lines, compact for assertions. */
export function brief(issues: readonly ConfigIssue[]): string[] {
  return issues.map((issue) => `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`);
}
