import { Command } from 'commander';
import { rolesFromConfig } from '../../engine/roles.js';
import { renderRolesText } from '../../render/roles-text.js';
import { addConfigOption, formatOption, providerOptions } from '../common.js';
import { printOut } from '../output.js';
import type { RegisterCommand } from './index.js';

export const registerRoles: RegisterCommand = (program) => {
  const command = new Command('roles')
    .description('list the roles each provider offers and the permissions they grant')
    .option('--provider <name>', 'only this provider')
    .addOption(formatOption(['text', 'json'], 'text'));
  addConfigOption(command).action(async (options: { config: string; provider?: string; format: 'text' | 'json' }) => {
    const roles = await rolesFromConfig({ configPath: options.config, provider: options.provider, now: Date.now(), providerOptions: providerOptions() });
    if (options.format === 'json') printOut(JSON.stringify({ providers: roles }, null, 2));
    else printOut(roles.map((r) => renderRolesText(r.provider, r.roles)).join('\n'));
  });
  program.addCommand(command);
};
