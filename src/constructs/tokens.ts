/** Markers of unresolved CDK / CDKTF tokens (strings, lists) as they appear in plain values. */
const TOKEN_MARKERS = ['${Token[', '${TfToken[', '#{Token[', '#{TfToken['];

/**
 * Where a value holds an unresolved token, e.g. `rotation.every`; undefined when none does. keys.yaml is
 * written at synth, when a token has no value yet (a resource attribute exists only after terraform apply).
 */
export function findToken(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return TOKEN_MARKERS.some((marker) => value.includes(marker)) ? path || 'value' : undefined;
  if (typeof value === 'number') return Number.isFinite(value) && value < -1e289 ? path || 'value' : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findToken(item, `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const found = findToken(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
