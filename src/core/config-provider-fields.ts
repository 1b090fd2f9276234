import type { KeyEntry } from './config-keys.js';
import { asRecord, type SourceDocument } from './config-source.js';
import type { IssueList } from './config-values.js';
import type { ProviderConfig } from './model.js';

/**
 * A key's field named after a provider type (`keystone: {unrestricted: true}`, its form checked by the schema)
 * goes with the key to its provider, which must be of that type.
 */
export function attachProviderFields(entries: readonly KeyEntry[], providers: Readonly<Record<string, ProviderConfig>>, types: readonly string[], issues: IssueList): void {
  for (const entry of entries) {
    const raw = keyRecord(entry.doc, entry.path);
    if (!raw) continue;
    for (const type of types) {
      const values = asRecord(raw[type]);
      if (!values) continue;
      const provider = providers[entry.key.provider];
      if (!provider) continue; // an unknown provider is already reported
      if (provider.type !== type) {
        issues.add(entry.doc, [...entry.path, type], `key \`${entry.key.name}\` has a \`${type}:\` field, but its provider \`${provider.name}\` is of type ${provider.type}, not ${type}`, 'key');
      } else {
        entry.key.providerFields = { type, values };
      }
    }
  }
}

function keyRecord(doc: SourceDocument, path: readonly (string | number)[]): Record<string, unknown> | undefined {
  let node: unknown = doc.data;
  for (const part of path) node = Array.isArray(node) ? node[part as number] : asRecord(node)?.[part as string];
  return asRecord(node);
}
