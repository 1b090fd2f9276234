import { readFile, stat } from 'node:fs/promises';
import type { ConfigIssue } from '../core/errors.js';

/** Config files larger than this are refused rather than parsed: 5,000 keys take about 1 MB. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export type ReadResult = { ok: true; text: string } | { ok: false; issue: ConfigIssue };

/** Reads a config file as UTF-8 text; any reason it cannot be read becomes an issue at 1:1, never a throw. */
export async function readConfigFile(path: string, displayPath: string): Promise<ReadResult> {
  const fail = (message: string): ReadResult => ({ ok: false, issue: { file: displayPath, line: 1, column: 1, path: '', message } });
  try {
    const info = await stat(path);
    if (info.isDirectory()) return fail(`cannot read ${displayPath}: it is a directory, not a file`);
    if (!info.isFile()) return fail(`cannot read ${displayPath}: it is not a regular file`);
    if (info.size > MAX_CONFIG_BYTES) {
      return fail(`cannot read ${displayPath}: it is ${megabytes(info.size)} MB, more than the ${megabytes(MAX_CONFIG_BYTES)} MB a config file may have`);
    }
    return decodeConfigText(await readFile(path), (why) => fail(`cannot read ${displayPath}: ${why}`));
  } catch (error) {
    return fail(`cannot read ${displayPath}: ${describeFsError(error)}`);
  }
}

/** A config file's bytes as text: refused when they hold NUL bytes or are not UTF-8. */
export function decodeConfigText(bytes: Uint8Array, fail: (why: string) => ReadResult): ReadResult {
  if (bytes.includes(0)) return fail('it is not a text file (it contains NUL bytes)');
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return fail('it is not valid UTF-8 text');
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');
}
