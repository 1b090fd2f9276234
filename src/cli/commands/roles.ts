import { Command } from 'commander';
import { loadConfig } from '../../io/load-config.js';
import { selectProviderNames, withProviders } from '../../engine/providers.js';
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
    const state = await loadConfig(options.config, { now: Date.now() });
    const names = selectProviderNames(state, options.provider);
    const roles = await withProviders(state, names, providerOptions(), (providers) =>
      Promise.all([...providers].map(async ([name, provider]) => ({ provider: name, roles: await provider.roles() }))),
    );
    if (options.format === 'json') printOut(JSON.stringify({ providers: roles }, null, 2));
    else printOut(roles.map((r) => renderRolesText(r.provider, r.roles)).join('\n'));
  });
  program.addCommand(command);
};
