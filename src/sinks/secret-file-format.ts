/** Reading and writing the files secrets are delivered to: dotenv (`NAME=value`) or a flat JSON object. */
export type SecretFileFormat = 'dotenv' | 'json';

export function formatForPath(path: string): SecretFileFormat {
  return path.toLowerCase().endsWith('.json') ? 'json' : 'dotenv';
}

/** An environment-variable name for a key name: `billing-reader.v2` -> `BILLING_READER_V2`. */
export function envVarName(keyName: string): string {
  const name = keyName.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase();
  return /^[0-9]/.test(name) ? `_${name}` : name || 'KEY';
}

/**
 * Merges `values` into an existing file's text. dotenv: a variable already present is replaced on its own
 * line, comments and other lines are kept, new ones are appended. JSON: the object gains or replaces fields.
 */
export function mergeSecretFile(format: SecretFileFormat, existing: string, values: ReadonlyMap<string, string>): string {
  return format === 'json' ? mergeJson(existing, values) : mergeDotenv(existing, values);
}

function mergeDotenv(existing: string, values: ReadonlyMap<string, string>): string {
  const pending = new Map(values);
  const lines = existing === '' ? [] : existing.replace(/\n$/, '').split('\n');
  const merged = lines.map((line) => {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    const name = match?.[1];
    if (name === undefined || !pending.has(name)) return line;
    const value = pending.get(name) as string;
    pending.delete(name);
    return `${name}=${quoteDotenv(value)}`;
  });
  for (const [name, value] of pending) merged.push(`${name}=${quoteDotenv(value)}`);
  return `${merged.join('\n')}\n`;
}

function quoteDotenv(value: string): string {
  return /^[A-Za-z0-9_./:+=@-]*$/.test(value) ? value : JSON.stringify(value);
}

function mergeJson(existing: string, values: ReadonlyMap<string, string>): string {
  let object: Record<string, unknown> = {};
  if (existing.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing);
    } catch {
      // JSON.parse quotes the text it failed on, which may hold secrets: say only what is wrong.
      throw new Error('the file is not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the file does not hold a JSON object');
    object = parsed as Record<string, unknown>;
  }
  for (const [name, value] of values) object[name] = value;
  return `${JSON.stringify(object, null, 2)}\n`;
}
