/** `type: package`: a provider from an installed npm package implementing plugin.ts's contract. */
import type { ProviderNormalizer } from '../../core/config.js';
import { asRecord, asString } from '../../core/config-source.js';
import { defineBuiltInProvider } from '../built-in.js';

export interface PackageSettings {
  package: string;
  options: Record<string, unknown>;
  /** Where the package is resolved from (the root keys.yaml's directory). */
  baseDir: string;
}

/** The package's own schema checks `options` when the package loads (see io/package-options.ts). */
const normalize: ProviderNormalizer = ({ entry, baseDir }) => {
  const pkg = asString(entry.package);
  if (!pkg) return undefined;
  const options = entry.options === undefined ? {} : asRecord(entry.options);
  return options ? ({ package: pkg, options, baseDir } satisfies PackageSettings) : undefined;
};

export default defineBuiltInProvider({
  type: 'package',
  settings: {
    title: "A provider from an installed npm package implementing keyplan's provider contract.",
    required: ['package'],
    properties: {
      package: {
        description: 'The npm package name, installed beside keys.yaml (npm install keyplan-provider-acme).',
        type: 'string',
        pattern: '^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$',
      },
      options: { description: "The provider's options, checked against the package's own schema when it loads.", type: 'object' },
    },
  },
  normalize,
  capabilities: { source: 'package' },
  // A package's listing may do anything: plan lists it only after the whole config loaded.
  traits: { listingHasNoSideEffects: false },
  async open() {
    const { PackageProvider } = await import('./package-provider.js');
    return (config, options) => {
      const settings = config.settings as unknown as PackageSettings;
      return new PackageProvider({
        name: config.name,
        package: settings.package,
        options: settings.options,
        context: { name: config.name, baseDir: settings.baseDir, env: options.env, now: options.now ?? Date.now },
      });
    };
  },
});
