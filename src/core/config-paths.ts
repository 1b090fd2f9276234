import { isAbsolute, join, normalize } from 'node:path';

/** A path written in the config, made absolute against the root config file's directory (pure: no cwd). */
export function resolveFrom(baseDir: string, written: string): string {
  return isAbsolute(written) ? normalize(written) : join(baseDir, written);
}
