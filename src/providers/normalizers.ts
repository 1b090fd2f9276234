/**
 * How each built-in provider type's options in keys.yaml normalize (pure, light: no provider code is
 * loaded). The JSON Schema fragment of each type is `$defs/<type>Provider` in schema/keys.schema.json
 * (test/providers/registry.test.ts keeps the two in step); how each type opens is in ./index.ts.
 */
import { resolveFrom } from '../core/config-paths.js';
import type { ProviderNormalizer } from '../core/config.js';
import { asRecord, asString } from '../core/config-source.js';
import { readDuration } from '../core/config-values.js';
import type { Millis } from '../core/model.js';
import { normalizeCloudflare } from './cloudflare/settings.js';
import { normalizeGitLab } from './gitlab/settings.js';

export interface LocalSettings {
  path: string;
}

export interface HttpSettings {
  url: string;
  tokenEnv: string;
  timeoutMs?: Millis;
}

export type StrapiAuthSettings = { tokenEnv: string } | { emailEnv: string; passwordEnv: string };

export interface PackageSettings {
  package: string;
  options: Record<string, unknown>;
  /** Where the package is resolved from (the root keys.yaml's directory). */
  baseDir: string;
}

export interface StrapiSettings {
  url: string;
  auth: StrapiAuthSettings;
  timeoutMs?: Millis;
}

const local: ProviderNormalizer = ({ entry, baseDir }) => {
  const path = asString(entry.path);
  return path ? ({ path: resolveFrom(baseDir, path) } satisfies LocalSettings) : undefined;
};

const http: ProviderNormalizer = (ctx) => {
  const url = asString(ctx.entry.url);
  const tokenEnv = asString(ctx.entry.token_env);
  if (!url || !tokenEnv) return undefined;
  return { url, tokenEnv, ...timeout(ctx) } satisfies HttpSettings;
};

const strapi: ProviderNormalizer = (ctx) => {
  const { entry } = ctx;
  const url = asString(entry.url);
  const tokenEnv = asString(entry.token_env);
  const emailEnv = asString(entry.email_env);
  const passwordEnv = asString(entry.password_env);
  const auth: StrapiAuthSettings | undefined = tokenEnv ? { tokenEnv } : emailEnv && passwordEnv ? { emailEnv, passwordEnv } : undefined;
  if (!auth && entry.token_env === undefined && entry.email_env === undefined && entry.password_env === undefined) {
    ctx.issues.add(ctx.doc, ctx.path, `provider ${ctx.name}: a strapi provider needs token_env (an admin token, best) or email_env and password_env (an admin user)`, 'key');
  }
  if (!url || !auth) return undefined;
  return { url, auth, ...timeout(ctx) } satisfies StrapiSettings;
};

/** The package's own schema checks `options` when the package loads (see io/package-options.ts). */
const packageType: ProviderNormalizer = ({ entry, baseDir }) => {
  const pkg = asString(entry.package);
  if (!pkg) return undefined;
  const options = entry.options === undefined ? {} : asRecord(entry.options);
  return options ? ({ package: pkg, options, baseDir } satisfies PackageSettings) : undefined;
};

function timeout({ doc, path, entry, issues }: Parameters<ProviderNormalizer>[0]): { timeoutMs?: Millis } {
  const timeoutMs = readDuration(doc, [...path, 'timeout'], entry.timeout, issues);
  return timeoutMs === undefined ? {} : { timeoutMs };
}

/** Every provider type and its normalizer; `package` loads a provider from an npm package (plugin.ts). */
export const BUILT_IN_NORMALIZERS: Readonly<Record<string, ProviderNormalizer>> = { local, http, strapi, package: packageType, cloudflare: normalizeCloudflare, gitlab: normalizeGitLab };
