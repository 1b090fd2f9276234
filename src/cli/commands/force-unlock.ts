import { Command } from 'commander';
import { forceUnlock } from '../../engine/force-unlock.js';
import { addConfigOption, providerOptions } from '../common.js';
import { printOut } from '../output.js';
import type { RegisterCommand } from './index.js';

export const registerForceUnlock: RegisterCommand = (program) => {
  const command = new Command('force-unlock')
    .description("break an apply lock or lease that a dead or stuck apply left (its ID is in the refusal's message)")
    .argument('<id>', 'the lock or lease ID');
  addConfigOption(command).action(async (id: string, options: { config: string }) => {
    printOut(await forceUnlock({ configPath: options.config, id, env: providerOptions().env }));
  });
  program.addCommand(command);
};
