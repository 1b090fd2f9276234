/**
 * How each built-in provider type's options in keys.yaml normalize, by type (pure, light: no provider code is
 * loaded). Each comes from its folder (registry.ts); the schema of each is generated into
 * schema/keys.schema.json (scripts/generate-provider-schema.ts, checked by test/providers/registry.test.ts).
 */
import type { ProviderNormalizer } from '../core/config.js';
import { BUILT_IN_PROVIDERS } from './registry.js';

export type { HttpSettings } from './http/index.js';
export type { LocalSettings } from './local/index.js';
export type { PackageSettings } from './package/index.js';
export type { StrapiAuthSettings, StrapiSettings } from './strapi/index.js';

export const BUILT_IN_NORMALIZERS: Readonly<Record<string, ProviderNormalizer>> = Object.fromEntries(
  BUILT_IN_PROVIDERS.map((provider) => [provider.type, provider.normalize]),
);
