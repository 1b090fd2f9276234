/** Option schemas and normalizing steps several built-in providers share (pure). */
import type { ProviderNormalizeContext } from '../core/config.js';
import { readDuration } from '../core/config-values.js';
import type { Millis } from '../core/model.js';
import type { JsonSchema, OpenProviderOptions } from './built-in.js';
import type { KeyServiceClientOptions } from './http-client.js';

export const URL_PATTERN = '^https?://[^\\s/?#]+[^\\s]*$';

export function urlProperty(description: string): JsonSchema {
  return { description, type: 'string', pattern: URL_PATTERN };
}

export function envVarProperty(description: string): JsonSchema {
  return { $ref: '#/$defs/envVarName', description };
}

export const TIMEOUT_PROPERTY: JsonSchema = { $ref: '#/$defs/duration', description: 'How long to wait for one HTTP request, e.g. 30s.' };

/** The entry's `timeout:` as milliseconds, when written. */
export function timeout({ doc, path, entry, issues }: ProviderNormalizeContext): { timeoutMs?: Millis } {
  const timeoutMs = readDuration(doc, [...path, 'timeout'], entry.timeout, issues);
  return timeoutMs === undefined ? {} : { timeoutMs };
}

/** HTTP transport options shared by providers that talk to a server. */
export function transport(options: OpenProviderOptions, timeoutMs: number | undefined): Pick<KeyServiceClientOptions, 'timeoutMs' | 'dispatcher' | 'sleep' | 'retry' | 'now'> {
  return {
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.now ? { now: options.now } : {}),
  };
}
