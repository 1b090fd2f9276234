import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import type { E2eWorkspace } from './workspace.js';

const run = promisify(execFile);
/** The checkout: only `npm pack` runs here; installed projects never resolve anything from it. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** `package.json` "type" of a fresh project: what `npm init -y` writes (commonjs), or module. */
export type ProjectKind = 'commonjs' | 'module';

/** keyplan installed from its packed tarball into a fresh project outside the checkout. */
export interface InstalledKeyplan {
  /** The project directory (in the system temp directory). */
  dir: string;
  kind: ProjectKind;
  /** The installed CLI: <dir>/node_modules/keyplan/bin/keyplan.js. */
  bin: string;
  /** The tarball `npm pack` made. */
  tarball: string;
  /** `command` in the project (npx, node, tsc), with the environment npm and keyplan would see in a user's shell. */
  exec(command: string, args: string[], options?: { cwd?: string; env?: Record<string, string> }): Promise<{ stdout: string; stderr: string }>;
  /** Makes `ws` a project of this kind sharing the installed node_modules, so each test starts with a clean directory. */
  adopt(ws: E2eWorkspace): Promise<void>;
}

/**
 * The environment of a user's shell: no npm_* variables of the npm (or vitest) running the tests, no KEYPLAN_*,
 * no NODE_OPTIONS that could load code from the checkout.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(npm_|KEYPLAN_|NODE_OPTIONS$|NODE_PATH$|VITEST|TSX_)/i.test(name)) env[name] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** `npm pack` of the checkout (built beforehand: `npm run build`), into `dest`; returns the tarball's path. */
export async function packKeyplan(dest: string): Promise<string> {
  // --ignore-scripts: `prepare` would rebuild dist/ under the feet of the tests running from it.
  const { stdout } = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: REPO_ROOT, env: userEnv(), maxBuffer: 64 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  if (!packed) throw new Error(`npm pack printed no file:\n${stdout}`);
  return join(dest, packed.filename);
}

/** `name@version` of a package as the checkout has it installed, so the temp project installs the same from npm's cache. */
export async function pinned(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return `${name}@${manifest.version}`;
}

/**
 * Once per test file: packs keyplan, installs the tarball and `packages` (e.g. constructs, tsx) into a fresh
 * project of `kind` in the system temp directory, and removes it after the file's tests.
 *
 * npm install runs with --prefer-offline (npm's cache serves what it holds) and --ignore-scripts: the only
 * install script in keyplan's tree is better-sqlite3's native build, which these projects never load (their
 * keys live in a real `keyplan serve` reached over HTTP; the embedded store has its own tests).
 */
export function useInstalledKeyplan(kind: ProjectKind, packages: string[]): () => InstalledKeyplan {
  let installed: InstalledKeyplan | undefined;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), `keyplan-installed-${kind}-`));
    const tarball = await packKeyplan(dir);
    await writeFile(join(dir, 'package.json'), projectManifest(kind));
    const exec: InstalledKeyplan['exec'] = async (command, args, options = {}) => {
      const { stdout, stderr } = await run(command, args, { cwd: options.cwd ?? dir, env: userEnv(options.env), maxBuffer: 64 * 1024 * 1024, timeout: INSTALL_TIMEOUT_MS });
      return { stdout, stderr };
    };
    const specs = await Promise.all(packages.map((name) => (name.includes('@', 1) ? name : pinned(name))));
    await exec(NPM, ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...specs]);
    installed = {
      dir,
      kind,
      tarball,
      bin: join(dir, 'node_modules', 'keyplan', 'bin', 'keyplan.js'),
      exec,
      adopt: async (ws) => {
        await ws.writeFile('package.json', projectManifest(kind));
        await symlink(join(dir, 'node_modules'), ws.path('node_modules'), 'dir');
      },
    };
  }, INSTALL_TIMEOUT_MS);
  afterAll(async () => {
    if (installed) await rm(installed.dir, { recursive: true, force: true });
  });
  return () => {
    if (!installed) throw new Error('useInstalledKeyplan: the project is installed in beforeAll; call this inside a test');
    return installed;
  };
}

function projectManifest(kind: ProjectKind): string {
  return `${JSON.stringify({ name: `keyplan-user-${kind}`, version: '1.0.0', private: true, type: kind }, null, 2)}\n`;
}
