import { Document, YAMLSeq } from 'yaml';
import { isoDate } from '../core/humanize.js';
import type { RemoteKey } from '../core/model.js';
import { isManaged } from '../core/ownership.js';

/**
 * A `keys:` list declaring remote keys that keyplan does not manage yet, so a team can adopt them:
 * once declared, the next apply marks them managed without touching their secrets.
 */
export function renderImportYaml(groups: readonly { provider?: string; keys: readonly RemoteKey[] }[]): string {
  const unmanaged = groups.flatMap(({ provider, keys }) =>
    keys.filter((key) => key.revokedAt === null && !isManaged(key)).map((key) => ({ ...key, provider })),
  );
  if (unmanaged.length === 0) return '# Every live key is already managed by keyplan: nothing to import.\n';
  const list = new YAMLSeq();
  for (const key of unmanaged) {
    const entry: Record<string, unknown> = { name: key.name, description: key.description, roles: key.roles };
    entry.expires = key.expiresAt === null ? 'never' : isoDate(key.expiresAt);
    if (key.provider) entry.provider = key.provider;
    list.items.push(entry);
  }
  const doc = new Document({ keys: list });
  doc.commentBefore = ` ${unmanaged.length} key(s) not yet managed by keyplan. Add them to keys.yaml (or an included file),\n then \`keyplan apply\` marks them managed; their secrets are kept.`;
  for (const [index, key] of unmanaged.entries()) {
    const node = doc.getIn(['keys', index], true) as { commentBefore?: string };
    node.commentBefore = ` ${key.id} (${key.prefix}…), created ${isoDate(key.createdAt)}, last used ${key.lastUsedAt === null ? 'never' : isoDate(key.lastUsedAt)}`;
  }
  return doc.toString({ flowCollectionPadding: false });
}
