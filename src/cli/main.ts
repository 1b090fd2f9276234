import { Command, CommanderError } from 'commander';
import { KeyplanError, ExitCode } from '../core/errors.js';
import { commands } from './commands/index.js';
import { printError } from './output.js';

/** Builds the program. Each command's action returns its exit code. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('keyplan')
    .description('API keys as code: declare keys in YAML, plan and apply them against a key service.')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) })
    .showHelpAfterError('(run with --help for usage)');
  for (const register of commands) register(program, setExit);
  return program;
}

/** Runs the CLI; the one place errors become exit codes. Never throws. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and exit 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.error;
    }
    if (error instanceof KeyplanError) {
      printError(error.message);
      return error.exitCode;
    }
    printError(
      `internal error: ${error instanceof Error ? error.message : String(error)}\n` +
        'This is a bug in keyplan. Please report it with the command you ran; set KEYPLAN_DEBUG=1 for a stack trace.',
    );
    if (process.env.KEYPLAN_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return ExitCode.error;
  }
}

function packageVersion(): string {
  return process.env.npm_package_version ?? '0.1.0';
}
