/**
 * Strapi API tokens and Keystone application credentials have no metadata field (Strapi drops or rejects unknown
 * fields; Keystone keeps nothing else), so keyplan
 * keeps its marks as a tag at the end of the description:
 *
 *   Reads notes for the site [keyplan: managed-by=keyplan; keyplan-owner=team-web]
 *
 * Values are percent-encoded, so `;`, `]` and spaces in them cannot break the tag. The tag is split
 * off when a token is read, so plans and diffs show only the written description.
 */
const TAG = /\s*\[keyplan:([^\]]*)\]$/;

export interface TaggedDescription {
  description: string;
  metadata: Record<string, string>;
}

export function splitDescription(stored: string | null | undefined): TaggedDescription {
  const text = stored ?? '';
  const match = TAG.exec(text);
  if (!match) return { description: text, metadata: {} };
  const metadata: Record<string, string> = {};
  for (const pair of (match[1] ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    try {
      metadata[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      // a hand-edited tag with a broken escape: skip that pair
    }
  }
  return { description: text.slice(0, match.index), metadata };
}

export function joinDescription(description: string, metadata: Record<string, string>): string {
  const pairs = Object.keys(metadata)
    .sort()
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(metadata[key] ?? '')}`);
  if (pairs.length === 0) return description;
  const tag = `[keyplan: ${pairs.join('; ')}]`;
  return description === '' ? tag : `${description} ${tag}`;
}
