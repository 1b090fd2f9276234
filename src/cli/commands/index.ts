import type { Command } from 'commander';

/** Adds one subcommand to the program; its action reports its exit code through setExit. */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

export const commands: RegisterCommand[] = [];
