import { Command, CommanderError } from 'commander';
import { ConfigError, KeyplanError, ExitCode } from '../core/errors.js';
import { addCommandStandIns, readCommandIndex, type CommandSummary } from './command-index.js';
import { commandLoaders } from './commands/index.js';
import { printError } from './output.js';
import { packageVersion } from './version.js';

/**
 * Builds the program with the command `argv` names, or every command when it names none: their stand-ins from
 * the build's command index when there is one (`index`), else the command modules themselves.
 */
export async function buildProgram(
  argv: readonly string[],
  setExit: (code: number) => void,
  index: () => CommandSummary[] | undefined = readCommandIndex,
): Promise<Command> {
  const program = new Command('keyplan')
    .description('API keys as code: declare keys in YAML, plan and apply them against a key service.')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) })
    .showHelpAfterError('(run with --help for usage)');
  const named = argv.slice(2).find((arg) => !arg.startsWith('-'));
  const versionOnly = named === undefined && argv.some((arg) => arg === '-V' || arg === '--version');
  if (versionOnly) return program;
  const summaries = named === undefined ? index() : undefined;
  if (summaries) {
    addCommandStandIns(program, summaries);
    return program;
  }
  const loaders = named !== undefined && named in commandLoaders ? [commandLoaders[named]] : Object.values(commandLoaders);
  for (const load of loaders) if (load) (await load())(program, setExit);
  return program;
}

/** Runs the CLI; the one place errors become exit codes. Never throws. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  endQuietlyOnClosedPipes();
  try {
    const program = await buildProgram(argv, (code) => {
      exitCode = code;
    });
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and exit 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.error;
    }
    if (isClosedPipe(error)) return exitCode;
    if (error instanceof KeyplanError) {
      if (error instanceof ConfigError && process.env.GITHUB_ACTIONS === 'true') await annotate(error);
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

/** In GitHub Actions, each configuration issue is also a workflow annotation on its file and line. */
async function annotate(error: ConfigError): Promise<void> {
  const { annotationText, configAnnotations } = await import('../engine/github-actions.js');
  process.stdout.write(annotationText(configAnnotations(error.issues)));
}

/**
 * `keyplan plan | head`: once the reader has gone, further output is dropped and the command runs to its
 * normal end (an apply still finishes and records its work) instead of dying on EPIPE.
 */
function endQuietlyOnClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (!isClosedPipe(error)) throw error;
      stream.write = (() => true) as typeof stream.write;
      stream.emit('drain');
    });
  }
}

function isClosedPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}
