import type { Policy } from './model.js';
import { formatDuration } from './duration.js';
import { placeOf, type SourceDocument } from './config-source.js';
import type { KeyEntry } from './config-keys.js';
import type { IssueList } from './config-values.js';

/** Fills in each key's provider: the one it names, or the only one declared. */
export function assignProviders(entries: KeyEntry[], declaredNames: readonly string[], issues: IssueList): void {
  for (const entry of entries) {
    const { key, doc, path } = entry;
    if (entry.writtenProvider !== undefined) {
      key.provider = entry.writtenProvider;
      if (!declaredNames.includes(entry.writtenProvider)) {
        const known = declaredNames.length > 0 ? declaredNames.join(', ') : 'none';
        issues.add(doc, [...path, 'provider'], `key \`${key.name}\` names provider \`${entry.writtenProvider}\`, which is not declared under providers: (declared: ${known})`);
      }
    } else if (declaredNames.length === 1) {
      key.provider = declaredNames[0] as string;
    } else if (declaredNames.length > 1) {
      issues.add(doc, [...path, 'name'], `key \`${key.name}\` has no \`provider:\`, and several providers are declared (${declaredNames.join(', ')}): say which one holds it`);
    }
  }
}

/** A name may be declared once per provider, across all files. */
export function checkDuplicateNames(entries: KeyEntry[], issues: IssueList): void {
  const seen = new Map<string, KeyEntry>();
  for (const entry of entries) {
    const id = `${entry.key.provider}\u0000${entry.key.name}`;
    const first = seen.get(id);
    if (!first) {
      seen.set(id, entry);
      continue;
    }
    issues.add(entry.doc, [...entry.path, 'name'], `duplicate key \`${entry.key.name}\`${providerNote(entry)}: first declared at ${placeOf(first.doc, [...first.path, 'name'])}`);
  }
}

/** `renamed_from` may name neither a declared key nor a name another key already claims. */
export function checkRenames(entries: KeyEntry[], issues: IssueList): void {
  const declared = new Map<string, KeyEntry>();
  for (const entry of entries) {
    const id = `${entry.key.provider}\u0000${entry.key.name}`;
    if (!declared.has(id)) declared.set(id, entry);
  }
  const claimed = new Map<string, { entry: KeyEntry; index: number }>();
  for (const entry of entries) {
    entry.key.renamedFrom.forEach((oldName, index) => {
      const path = [...entry.path, 'renamed_from', index];
      const id = `${entry.key.provider}\u0000${oldName}`;
      const other = declared.get(id);
      const claim = claimed.get(id);
      if (oldName === entry.key.name) {
        issues.add(entry.doc, path, `key \`${entry.key.name}\` lists its own name in renamed_from`);
      } else if (other) {
        issues.add(entry.doc, path, `renamed_from \`${oldName}\` names a key that is still declared at ${placeOf(other.doc, [...other.path, 'name'])}: remove one of them`);
      } else if (claim) {
        issues.add(entry.doc, path, `renamed_from \`${oldName}\` is also claimed by key \`${claim.entry.key.name}\` at ${placeOf(claim.entry.doc, [...claim.entry.path, 'renamed_from', claim.index])}: a former name can become only one key`);
      } else {
        claimed.set(id, { entry, index });
      }
    });
  }
}

/** Keys must respect policy.require_expiry_for and policy.max_lifetime; absolute dates are measured from `now`. */
export function checkExpiryPolicy(entries: KeyEntry[], policy: Policy, now: number, issues: IssueList): void {
  for (const { key, doc, path, expiresUnreadable } of entries) {
    if (expiresUnreadable) continue;
    const expiresPath = [...path, 'expires'];
    const wherePath = key.expires ? expiresPath : [...path, 'name'];
    if (key.expires?.kind === 'absolute' && key.expires.at <= now) {
      issues.add(doc, expiresPath, `expires ${key.expires.text} is in the past: a key made now would be expired already; write a later date or a duration such as 90d`);
      continue;
    }
    const required = key.roles.filter((role) => policy.requireExpiryFor.includes(role));
    if (required.length > 0 && (!key.expires || key.expires.kind === 'never')) {
      const what = key.expires ? 'expires: never' : 'no `expires:`';
      issues.add(doc, wherePath, `key \`${key.name}\` has ${what}, but it holds ${required.join(', ')}, which policy.require_expiry_for says must expire`);
      continue;
    }
    const max = policy.maxLifetimeMs;
    if (max === null) continue;
    const limit = `policy.max_lifetime (${formatDuration(max)})`;
    if (!key.expires) {
      issues.add(doc, wherePath, `key \`${key.name}\` has no \`expires:\`, but ${limit} requires one`);
    } else if (key.expires.kind === 'never') {
      issues.add(doc, wherePath, `key \`${key.name}\` never expires, which exceeds ${limit}`);
    } else if (key.expires.kind === 'relative' && key.expires.ms > max) {
      issues.add(doc, wherePath, `expires ${key.expires.text} is longer than ${limit}`);
    } else if (key.expires.kind === 'absolute' && key.expires.at - now > max) {
      issues.add(doc, wherePath, `expires ${key.expires.text} is further away than ${limit} from today`);
    }
  }
}

/** Two keys may not write the same variable of one file, nor one file in two formats. */
export function checkDeliverConflicts(entries: KeyEntry[], issues: IssueList): void {
  const files = new Map<string, { entry: KeyEntry; index: number; format: string }>();
  const vars = new Map<string, { entry: KeyEntry; index: number }>();
  for (const entry of entries) {
    entry.key.deliver.forEach((target, index) => {
      if (target.type !== 'file') return;
      const path = entry.deliverPaths[index] ?? entry.path;
      const file = files.get(target.path);
      const varId = `${target.path}\u0000${target.var}`;
      const sameVar = vars.get(varId);
      if (sameVar && sameVar.entry !== entry) {
        issues.add(entry.doc, [...path, 'var'], `key \`${entry.key.name}\` delivers to ${target.var} in the same file as key \`${sameVar.entry.key.name}\` at ${placeOf(sameVar.entry.doc, sameVar.entry.deliverPaths[sameVar.index] ?? sameVar.entry.path)}: each key needs its own variable`);
      } else if (file && file.format !== target.format) {
        issues.add(entry.doc, path, `this file is also delivered as ${file.format} at ${placeOf(file.entry.doc, file.entry.deliverPaths[file.index] ?? file.entry.path)}: one file has one format`);
      }
      if (!file) files.set(target.path, { entry, index, format: target.format });
      if (!sameVar) vars.set(varId, { entry, index });
    });
  }
}

function providerNote(entry: KeyEntry): string {
  return entry.key.provider ? ` in provider \`${entry.key.provider}\`` : '';
}

/** A key is either declared or released (`release:`), never both: releasing it would drop the marks its declaration sets. */
export function checkReleased(root: SourceDocument, release: readonly string[], entries: KeyEntry[], issues: IssueList): void {
  release.forEach((name, index) => {
    const declared = entries.find((entry) => entry.key.name === name);
    if (declared) issues.add(root, ['release', index], `\`${name}\` is listed under release: but also declared at ${placeOf(declared.doc, [...declared.path, 'name'])}: remove one of the two`);
  });
}
