import type { Command } from 'commander';

/** Adds one subcommand to the program; its action reports its exit code through setExit. */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

/**
 * Each command's module loads only when that command runs (`--help` loads them all): `keyplan serve`
 * never loads the config validator, `keyplan validate` never loads the database driver.
 */
export const commandLoaders: Record<string, () => Promise<RegisterCommand>> = {
  validate: async () => (await import('./validate.js')).registerValidate,
  plan: async () => (await import('./plan.js')).registerPlan,
  apply: async () => (await import('./apply.js')).registerApply,
  audit: async () => (await import('./audit.js')).registerAudit,
  import: async () => (await import('./import.js')).registerImport,
  roles: async () => (await import('./roles.js')).registerRoles,
  diff: async () => (await import('./diff.js')).registerDiff,
  serve: async () => (await import('./serve.js')).registerServe,
  'force-unlock': async () => (await import('./force-unlock.js')).registerForceUnlock,
};
