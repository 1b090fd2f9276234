import { stringify } from 'yaml';

/** One entry of `keys:` as written in keys.yaml (snake_case, like the file). */
export interface KeysYamlKey {
  name: string;
  description?: string;
  roles: string[];
  expires?: string;
  owner?: string;
  consumers?: string[];
  provider?: string;
  renamed_from?: string[];
  prevent_revoke?: boolean;
  [field: string]: unknown;
}

/** keys.yaml as written. `version` defaults to 1. */
export interface KeysYaml {
  version?: 1;
  ownership?: string;
  include?: string[];
  providers?: Record<string, Record<string, unknown>>;
  policy?: Record<string, unknown>;
  keys?: KeysYamlKey[];
}

/** The YAML text of a root keys.yaml. */
export function keysYaml(config: KeysYaml): string {
  const { version = 1, ...rest } = config;
  return stringify({ version, ...rest });
}

/** A `providers:` entry for a key service at `url`, its token read from `tokenEnv`. */
export function httpProvider(url: string, tokenEnv: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'http', url, token_env: tokenEnv, ...extra };
}
