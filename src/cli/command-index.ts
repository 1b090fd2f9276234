import { readFileSync } from 'node:fs';
import { Command, Help } from 'commander';

/** What the top-level help shows of one command: its term (`apply [options] [planfile]`) and description. */
export interface CommandSummary {
  name: string;
  term: string;
  description: string;
}

/**
 * The build writes the commands' summaries here (scripts/build-command-index.mjs), so `keyplan --help` lists
 * every command without loading any command module (the oclif manifest idea). Absent (tests run from source),
 * the help loads the modules as before.
 */
const INDEX_FILE = new URL('./command-index.json', import.meta.url);

/** The summaries of a program whose commands are all registered. */
export function summarizeCommands(program: Command): CommandSummary[] {
  const help = new Help();
  return program.commands.map((command) => ({
    name: command.name(),
    term: help.subcommandTerm(command),
    description: help.subcommandDescription(command),
  }));
}

/** The build's summaries, or undefined when there are none. */
export function readCommandIndex(): CommandSummary[] | undefined {
  try {
    return JSON.parse(readFileSync(INDEX_FILE, 'utf8')) as CommandSummary[];
  } catch {
    return undefined;
  }
}

/**
 * Adds a stand-in for each summarized command: enough for the top-level help and usage errors, which then read
 * exactly as with the real commands. Only used when the command line names no command, so none ever runs.
 */
export function addCommandStandIns(program: Command, summaries: readonly CommandSummary[]): void {
  const terms = new Map<Command, string>();
  for (const summary of summaries) {
    const command = new Command(summary.name).description(summary.description);
    terms.set(command, summary.term);
    program.addCommand(command);
  }
  program.configureHelp({ subcommandTerm: (command) => terms.get(command) ?? new Help().subcommandTerm(command) });
}
