/**
 * The contract of a provider published as an npm package (`type: package`). The package's entry module
 * default-exports a ProviderPlugin (`defineProviderPlugin` only checks the type). Everything crossing it is
 * plain data: secrets are strings (keyplan wraps them at once), errors carry a `kind`.
 *
 *   export default defineProviderPlugin({ keyplanProviderApi: 1, optionsSchema, capabilities, open(options, context) { ... } });
 */
import type { ProviderErrorKind } from '../core/errors.js';
import type { ProviderCapabilities, RemoteKey, Role } from '../core/model.js';
import type { CreateKeyInput, ListOptions, UpdateKeyInput } from './provider.js';

export const PROVIDER_PLUGIN_API = 1;

export interface ProviderPluginContext {
  /** The provider's name in keys.yaml. */
  name: string;
  /** Directory of the root keys.yaml: resolve relative paths in options against it. */
  baseDir: string;
  /** The environment: read credentials from variables the options name, never from the options. */
  env: NodeJS.ProcessEnv;
  now: () => number;
}

/** What a plugin's provider does; the same duties as src/providers/provider.ts, with secrets as strings. */
export interface PluginProvider {
  /** For messages: "JSON file keys.json". */
  description: string;
  roles(): Promise<Role[]>;
  list(options?: ListOptions): Promise<RemoteKey[]>;
  /** A create repeated with the same idempotencyKey returns the same key (replayed: true), never a second one. */
  create(input: CreateKeyInput): Promise<{ key: RemoteKey; secret: string; replayed: boolean }>;
  update(id: string, patch: UpdateKeyInput, etag?: string): Promise<RemoteKey>;
  revoke(id: string): Promise<RemoteKey>;
  close?(): Promise<void>;
}

export interface ProviderPlugin<Options = Record<string, unknown>> {
  /** The contract version this plugin implements: 1. */
  keyplanProviderApi: typeof PROVIDER_PLUGIN_API;
  /** A JSON Schema (Draft 2020-12) for the `options:` of its keys.yaml entry; errors are reported there with their positions. */
  optionsSchema: Record<string, unknown>;
  capabilities: ProviderCapabilities;
  open(options: Options, context: ProviderPluginContext): PluginProvider | Promise<PluginProvider>;
}

/** An error a plugin throws so the engine knows what happened (see ProviderErrorKind). */
export interface PluginError extends Error {
  kind?: ProviderErrorKind;
}

export function defineProviderPlugin<Options>(plugin: ProviderPlugin<Options>): ProviderPlugin<Options> {
  return plugin;
}
