// Build step: writes dist/cli/command-index.json, the name, term and description of every command, so
// `keyplan --help` lists the commands without loading their modules. Runs after tsc (see package.json "build").
import { writeFileSync } from 'node:fs';
import { buildProgram } from '../dist/cli/main.js';
import { summarizeCommands } from '../dist/cli/command-index.js';

const program = await buildProgram(['node', 'keyplan', '--help'], () => {}, () => undefined);
writeFileSync(new URL('../dist/cli/command-index.json', import.meta.url), `${JSON.stringify(summarizeCommands(program), null, 2)}\n`);
