import type { SensitiveChange } from './declared-diff-types.js';

const SECTIONS = ['providers', 'policy', 'ownership'] as const;
const UNCHECKED = 'the configuration does not validate, so this is compared as written: review it as text';

/**
 * The sensitive sections compared as written, for a head that does not validate: an invalid configuration must not
 * hide a changed provider URL or a new package provider from the review (a hostile change could break the file on
 * purpose). Each provider entry, and `policy:` and `ownership:` as a whole, are compared by their written value.
 */
export function writtenSensitiveChanges(base: unknown, head: unknown): SensitiveChange[] {
  const [before, after] = [sectionsOf(base), sectionsOf(head)];
  const found: SensitiveChange[] = [];
  const [oldProviders, newProviders] = [asRecord(before.providers), asRecord(after.providers)];
  for (const name of [...new Set([...Object.keys(oldProviders), ...Object.keys(newProviders)])].sort()) {
    const [was, is] = [written(oldProviders[name]), written(newProviders[name])];
    if (was === is) continue;
    const entry = asRecord(newProviders[name]);
    const code = entry.type === 'package' ? `; it would load and run the npm package ${written(entry.package)} on plan and apply` : '';
    const what = was === '' ? 'is added' : is === '' ? 'is removed' : 'changes';
    found.push({ section: 'providers', subject: `providers.${name}`, before: was, after: is, message: `provider ${name} ${what}${code} (${UNCHECKED})` });
  }
  for (const section of ['policy', 'ownership'] as const) {
    const [was, is] = [written(before[section]), written(after[section])];
    if (was !== is) found.push({ section, subject: section, before: was, after: is, message: `${section} changes (${UNCHECKED})` });
  }
  return found;
}

function sectionsOf(data: unknown): Partial<Record<(typeof SECTIONS)[number], unknown>> {
  const record = asRecord(data);
  return Object.fromEntries(SECTIONS.map((section) => [section, record[section]]));
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A value as one line, object keys sorted (so reordering is no change); '' for absent. */
function written(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(sorted(value));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sorted((value as Record<string, unknown>)[key])]));
}
