import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../io/load-config.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { displayPath } from '../../io/display-path.js';
import { selectProviderNames, withProviders } from '../../engine/providers.js';
import { renderImportYaml } from '../../render/import-yaml.js';
import { addConfigOption, providerOptions } from '../common.js';
import { printOut } from '../output.js';
import type { RegisterCommand } from './index.js';

export const registerImport: RegisterCommand = (program) => {
  const command = new Command('import')
    .description('write YAML declaring the keys keyplan does not manage yet, to adopt them')
    .option('--provider <name>', 'only this provider')
    .option('--out <file>', 'write the YAML to this file (an include-able `keys:` file) instead of stdout');
  addConfigOption(command).action(async (options: { config: string; provider?: string; out?: string }) => {
    const state = await loadConfig(options.config, { now: Date.now() });
    const names = selectProviderNames(state, options.provider);
    const several = Object.keys(state.providers).length > 1;
    const yaml = await withProviders(state, names, providerOptions(), async (providers) => {
      const groups = await Promise.all([...providers].map(async ([name, provider]) => ({ provider: several ? name : undefined, keys: await provider.list() })));
      return renderImportYaml(groups);
    });
    if (options.out) {
      await writeFileAtomic(options.out, yaml);
      process.stderr.write(`Wrote ${displayPath(resolve(options.out))}; add it to keys.yaml (include:) and run keyplan plan.\n`);
    } else printOut(yaml);
  });
  program.addCommand(command);
};
