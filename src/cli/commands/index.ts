import type { Command } from 'commander';
import { registerApply } from './apply.js';
import { registerAudit } from './audit.js';
import { registerImport } from './import.js';
import { registerPlan } from './plan.js';
import { registerRoles } from './roles.js';
import { registerServe } from './serve.js';
import { registerValidate } from './validate.js';

/** Adds one subcommand to the program; its action reports its exit code through setExit. */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

export const commands: RegisterCommand[] = [registerValidate, registerPlan, registerApply, registerAudit, registerImport, registerRoles, registerServe];
