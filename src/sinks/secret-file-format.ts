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
export function mergeSecretFile(format: SecretFileFormat, existing: string, values: ReadonlyMap<string, string | null>): string {
  return format === 'json' ? mergeJson(existing, values) : mergeDotenv(existing, values);
}

/** Whether a merged file still holds any variable (a recovery file with none left is deleted). */
export function holdsVariables(format: SecretFileFormat, text: string): boolean {
  return format === 'json' ? Object.keys(JSON.parse(text) as object).length > 0 : text.split('\n').some((line) => DOTENV_NAME.test(line));
}

const DOTENV_NAME = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/** `values`: a secret per variable, or null to remove the variable. */
function mergeDotenv(existing: string, values: ReadonlyMap<string, string | null>): string {
  const pending = new Map(values);
  const lines = existing === '' ? [] : existing.replace(/\n$/, '').split('\n');
  const merged = lines.flatMap((line) => {
    const name = DOTENV_NAME.exec(line)?.[1];
    if (name === undefined || !pending.has(name)) return [line];
    const value = pending.get(name) as string | null;
    pending.delete(name);
    return value === null ? [] : [`${name}=${quoteDotenv(value)}`];
  });
  for (const [name, value] of pending) if (value !== null) merged.push(`${name}=${quoteDotenv(value)}`);
  return merged.length === 0 ? '' : `${merged.join('\n')}\n`;
}

function quoteDotenv(value: string): string {
  return /^[A-Za-z0-9_./:+=@-]*$/.test(value) ? value : JSON.stringify(value);
}

function mergeJson(existing: string, values: ReadonlyMap<string, string | null>): string {
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
  for (const [name, value] of values) {
    if (value === null) delete object[name];
    else object[name] = value;
  }
  return `${JSON.stringify(object, null, 2)}\n`;
}
