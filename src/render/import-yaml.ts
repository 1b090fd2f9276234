import { Document, YAMLSeq } from 'yaml';
import { isoDate, isoTime } from '../core/humanize.js';
import type { RemoteKey } from '../core/model.js';
import { isManaged, managedElsewhere } from '../core/ownership.js';

export interface ImportOptions {
  /** The configuration's `ownership:`. */
  ownership: string;
  /** Also declare keys another ownership manages, with `take_over:` naming it. */
  takeOver: boolean;
}

/**
 * A `keys:` list declaring remote keys that keyplan does not manage yet, so a team can adopt them:
 * once declared, the next apply marks them managed without touching their secrets. With `takeOver`, keys of
 * other ownerships too, each with the `take_over:` that makes adopting it explicit.
 */
export function renderImportYaml(groups: readonly { provider?: string; keys: readonly RemoteKey[] }[], options: ImportOptions): string {
  const unmanaged = groups.flatMap(({ provider, keys }) =>
    keys
      .filter((key) => key.revokedAt === null && (!isManaged(key) || (options.takeOver && managedElsewhere(key, options.ownership) !== undefined)))
      .map((key) => ({ ...key, provider, takeOver: managedElsewhere(key, options.ownership) })),
  );
  if (unmanaged.length === 0) {
    const more = options.takeOver ? '' : ' (keys of other ownerships are left out; --take-over includes them)';
    return `# Every live key is already managed by keyplan: nothing to import${more}.\n`;
  }
  const doc = new Document();
  const list = new YAMLSeq();
  for (const key of unmanaged) {
    const entry: Record<string, unknown> = { name: key.name, description: key.description, roles: key.roles };
    entry.expires = key.expiresAt === null ? 'never' : exactExpiry(key.expiresAt);
    if (key.provider) entry.provider = key.provider;
    if (key.takeOver !== undefined) entry.take_over = key.takeOver;
    // A node, not a plain object, so the comment is written as a comment rather than as a field.
    const node = doc.createNode(entry);
    node.commentBefore = ` ${key.id} (${key.prefix}…), created ${isoDate(key.createdAt)}, last used ${key.lastUseUnknown !== undefined ? `unknown (${key.lastUseUnknown})` : key.lastUsedAt === null ? 'never' : isoDate(key.lastUsedAt)}`;
    list.items.push(node);
  }
  doc.contents = doc.createNode({ keys: list });
  doc.commentBefore = ` ${unmanaged.length} key(s) not yet managed by keyplan. Add them to keys.yaml (or an included file),\n then \`keyplan apply\` marks them managed; their secrets are kept.`;
  return doc.toString({ flowCollectionPadding: false });
}

/**
 * The key's expiry as written in keys.yaml. A bare date means the end of that day (UTC), so it is used only
 * when it is exact; otherwise the full time, so the declared expiry matches the key and plan does not rotate it.
 */
function exactExpiry(expiresAt: number): string {
  const date = isoDate(expiresAt);
  return Date.parse(`${date}T23:59:59.999Z`) === expiresAt ? date : isoTime(expiresAt);
}
