/**
 * The built-in provider types: one line each. A provider is one folder (its index.ts declares it, see
 * built-in.ts); registering it here is the only change outside that folder.
 */
import type { BuiltInProvider } from './built-in.js';
import cloudflare from './cloudflare/index.js';
import gitlab from './gitlab/index.js';
import http from './http/index.js';
import keystone from './keystone/index.js';
import local from './local/index.js';
import packageType from './package/index.js';
import strapi from './strapi/index.js';

export const BUILT_IN_PROVIDERS: readonly BuiltInProvider[] = [
  local,
  http,
  strapi,
  keystone,
  cloudflare,
  gitlab,
  packageType,
];

export function builtInProvider(type: string): BuiltInProvider | undefined {
  return BUILT_IN_PROVIDERS.find((provider) => provider.type === type);
}
