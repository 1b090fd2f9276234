/**
 * What a built-in provider's folder declares, the way a provider package does (plugin.ts): the JSON Schema of
 * its keys.yaml entry and of its own key field, how that entry normalizes, its capabilities and traits, and its
 * opener, loaded only when a provider of that type is opened. The keys.yaml schema's provider section and the
 * constructs' provider props are generated from these (scripts/generate-provider-schema.ts).
 */
import type { ProviderNormalizer } from '../core/config.js';
import type { ProviderCapabilities, ProviderConfig } from '../core/model.js';
import type { Dispatcher } from 'undici';
import type { Provider } from './provider.js';
import type { RetryPolicy } from './retry.js';

export interface OpenProviderOptions {
  /** Where `token_env`, `OS_*` and KEYPLAN_PEPPER are read. */
  env: NodeJS.ProcessEnv;
  /** http: the undici dispatcher to send through (tests inject a MockAgent). */
  dispatcher?: Dispatcher;
  /** http: how to wait between retries (tests record instead of waiting). */
  sleep?: (ms: number) => Promise<void>;
  /** http: retry limits, e.g. `{ maxAttempts: 1 }`. */
  retry?: Partial<RetryPolicy>;
  /** The clock: Retry-After dates for http, key times for local. */
  now?: () => number;
}

export type ProviderOpener = (config: ProviderConfig, options: OpenProviderOptions) => Provider;

/** A JSON Schema (Draft 2020-12) object, as plain data. */
export type JsonSchema = Record<string, unknown>;

/** The JSON Schema of a `providers:` entry of one type, beside its `type`. */
export interface SettingsSchema {
  /** One line: what this type of key service is (the `type` const's description). */
  title: string;
  required?: string[];
  properties: Record<string, JsonSchema>;
  /** Further keywords of the entry's object schema, e.g. `dependentRequired`. */
  extra?: JsonSchema;
}

/** What the plan and engine may rely on about a provider type before anything is opened. */
export interface ProviderTypeTraits {
  /** Listing only reads (over the network): plan may start it while the key files still load. */
  listingHasNoSideEffects: boolean;
}

export interface BuiltInProvider {
  type: string;
  settings: SettingsSchema;
  /**
   * What only this kind of service has on a key, written under a key field named after the type
   * (`keystone: { unrestricted: true }`): its JSON Schema, checked by the keys.yaml schema.
   */
  keyFields?: { description: string; schema: JsonSchema };
  normalize: ProviderNormalizer;
  /**
   * The capabilities it declares, for the README's capability matrix: `service` when the key service reports
   * them at run time (these are then its defaults), `package` when a package declares its own.
   */
  capabilities: { declared: ProviderCapabilities; source: 'provider' | 'service' } | { source: 'package' };
  traits: ProviderTypeTraits;
  /** Its opener, imported only when a provider of this type is opened. */
  open(): Promise<ProviderOpener>;
}

export function defineBuiltInProvider(provider: BuiltInProvider): BuiltInProvider {
  return provider;
}
