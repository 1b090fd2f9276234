/**
 * Loads provider packages (`type: package`): resolves the package from the directory of keys.yaml (where
 * `npm install` put it), imports it once, checks it implements the plugin contract, and validates a
 * provider's `options:` against the package's own JSON Schema.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KeyplanError } from '../../core/errors.js';
import { PROVIDER_PLUGIN_API, type ProviderPlugin } from '../plugin.js';

const loaded = new Map<string, Promise<ProviderPlugin>>();

export class PackageLoadError extends KeyplanError {}

export function loadProviderPackage(pkg: string, baseDir: string): Promise<ProviderPlugin> {
  const key = `${baseDir}\u0000${pkg}`;
  let plugin = loaded.get(key);
  if (!plugin) {
    plugin = importPlugin(pkg, baseDir);
    loaded.set(key, plugin);
    plugin.catch(() => loaded.delete(key));
  }
  return plugin;
}

async function importPlugin(pkg: string, baseDir: string): Promise<ProviderPlugin> {
  let entry: string;
  try {
    entry = createRequire(join(baseDir, 'keys.yaml')).resolve(pkg);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      throw new PackageLoadError(`provider package ${pkg} is not installed in ${baseDir}; run: npm install ${pkg}`);
    }
    throw new PackageLoadError(`cannot resolve provider package ${pkg} from ${baseDir}: ${(error as Error).message}`);
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(entry).href)) as { default?: unknown };
  } catch (error) {
    throw new PackageLoadError(`provider package ${pkg} failed to load (${entry}): ${(error as Error).message}`);
  }
  const plugin = module.default as Partial<ProviderPlugin> | undefined;
  const problem = contractProblem(plugin);
  if (problem) throw new PackageLoadError(`provider package ${pkg} does not implement the keyplan provider contract: ${problem}`);
  return plugin as ProviderPlugin;
}

function contractProblem(plugin: Partial<ProviderPlugin> | undefined): string | undefined {
  if (!plugin || typeof plugin !== 'object') return 'its entry module has no default export';
  if (plugin.keyplanProviderApi !== PROVIDER_PLUGIN_API) return `keyplanProviderApi is ${JSON.stringify(plugin.keyplanProviderApi)}, this keyplan implements ${PROVIDER_PLUGIN_API}`;
  if (!plugin.optionsSchema || typeof plugin.optionsSchema !== 'object') return 'optionsSchema (a JSON Schema object) is missing';
  if (!plugin.capabilities || typeof plugin.capabilities !== 'object') return 'capabilities is missing';
  if (typeof plugin.open !== 'function') return 'open(options, context) is missing';
  return undefined;
}

export interface OptionProblem {
  /** Steps inside `options`, e.g. ['path']. */
  path: (string | number)[];
  message: string;
  /** 'key' when the problem is the property itself (one the schema does not allow). */
  part: 'key' | 'value';
}

/** The package's schema applied to a provider's options: one problem per violation (none when valid). */
export async function checkPackageOptions(plugin: ProviderPlugin, options: unknown): Promise<OptionProblem[]> {
  const { default: Ajv2020Module } = await import('ajv/dist/2020.js');
  const ajv = new Ajv2020Module.default({ allErrors: true, strict: false });
  const validate = ajv.compile(plugin.optionsSchema);
  if (validate(options)) return [];
  return (validate.errors ?? []).map((error) => {
    const path = error.instancePath.split('/').slice(1).map((step) => step.replaceAll('~1', '/').replaceAll('~0', '~'));
    const missing = error.keyword === 'required' ? ` \`${String((error.params as { missingProperty?: string }).missingProperty)}\`` : '';
    if (error.keyword === 'additionalProperties') {
      const extra = String((error.params as { additionalProperty?: string }).additionalProperty);
      return { path: [...path, extra], message: 'is not an option of this provider', part: 'key' as const };
    }
    return { path, message: `${error.message ?? 'is invalid'}${missing}`, part: 'value' as const };
  });
}
