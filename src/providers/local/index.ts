/** `type: local`: keyplan's own key store in an SQLite file, opened in-process (no server). */
import { resolveFrom } from '../../core/config-paths.js';
import type { ProviderNormalizer } from '../../core/config.js';
import { asString } from '../../core/config-source.js';
import { defineBuiltInProvider } from '../built-in.js';
import { KEY_SERVICE_CAPABILITIES } from '../key-service-traits.js';

export interface LocalSettings {
  path: string;
}

const normalize: ProviderNormalizer = ({ entry, baseDir }) => {
  const path = asString(entry.path);
  return path ? ({ path: resolveFrom(baseDir, path) } satisfies LocalSettings) : undefined;
};

export default defineBuiltInProvider({
  type: 'local',
  settings: {
    title: 'An embedded key store in a local SQLite file.',
    required: ['path'],
    properties: {
      path: { description: "The SQLite file, relative to the root config file's directory (or absolute).", type: 'string', minLength: 1 },
    },
  },
  normalize,
  capabilities: { declared: KEY_SERVICE_CAPABILITIES, source: 'service' },
  // Opening a local store creates its file, which an invalid config must not do: plan lists it only after loading.
  traits: { listingHasNoSideEffects: false },
  async open() {
    const { LocalProvider } = await import('./local.js');
    return (config, options) => {
      const settings = config.settings as unknown as LocalSettings;
      const pepper = options.env.KEYPLAN_PEPPER;
      return LocalProvider.open({ name: config.name, path: settings.path, ...(pepper ? { pepper } : {}), ...(options.now ? { clock: options.now } : {}) });
    };
  },
});
