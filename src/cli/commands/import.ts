import { Command } from 'commander';
import { writeGeneratedFile } from '../../engine/files.js';
import { importFromConfig } from '../../engine/import.js';
import { addAppOption, appCommand, refuseWithApp, withConfigSource } from '../app-option.js';
import { addConfigOption, providerOptions } from '../common.js';
import { printOut } from '../output.js';
import type { RegisterCommand } from './index.js';

export const registerImport: RegisterCommand = (program) => {
  const command = new Command('import')
    .description('write YAML declaring the keys keyplan does not manage yet, to adopt them')
    .option('--provider <name>', 'only this provider')
    .option('--take-over', 'also declare keys another configuration (ownership) manages, with take_over: to adopt them')
    .option('--out <file>', 'write the YAML to this file (an include-able `keys:` file) instead of stdout');
  addAppOption(addConfigOption(command)).action((options: { config: string; app?: string; provider?: string; out?: string; takeOver?: boolean }, cmd: Command) => {
    if (options.out) {
      refuseWithApp(
        appCommand(options, cmd),
        'import --out writes YAML to include in keys.yaml, but with --app a program writes keys.yaml: run import without --out and declare the keys it prints as ApiKey constructs',
      );
    }
    return withConfigSource(options, cmd, async ({ configPath }) => {
      const yaml = await importFromConfig({ configPath, provider: options.provider, now: Date.now(), providerOptions: providerOptions(), takeOver: options.takeOver === true });
      if (options.out) {
        const shown = await writeGeneratedFile(options.out, yaml);
        process.stderr.write(`Wrote ${shown}; add it to keys.yaml (include:) and run keyplan plan.\n`);
      } else printOut(yaml);
    });
  });
  program.addCommand(command);
};
