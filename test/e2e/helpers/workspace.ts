import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach } from 'vitest';
import { runCli, startCli, type CliResult, type RunCliOptions, type RunningCli } from './cli.js';
import { FaultProxy, type Fault } from './fault-proxy.js';
import { KeyService, type StartKeyServiceOptions } from './key-service.js';
import { keysYaml, type KeysYaml } from './keys-yaml.js';
import { databaseContents } from '../../helpers/postgres.js';
import { SecretScanner } from './secrets.js';
import { FakeGitHubServer, TOKEN as GITHUB_TEST_TOKEN } from '../../github/fake-github.js';

/**
 * One test's world: a temp directory (the CLI's working directory), the key services and
 * proxies it started, and a SecretScanner that sees every CLI output, server log, database
 * file and secret. `dispose()` stops everything, scans, and removes the directory.
 *
 *   const workspace = useWorkspace();            // in a describe block
 *   const ws = workspace();                      // in a test
 *   const service = await ws.startKeyService();
 *   await ws.writeKeysYaml({ providers: { prod: httpProvider(service.url, 'KP_TOKEN') }, keys: [...] });
 *   const result = await ws.run(['plan'], { env: { KP_TOKEN: service.adminKey } });
 */
export class E2eWorkspace {
  readonly secrets = new SecretScanner();
  readonly #services: KeyService[] = [];
  readonly #proxies: FaultProxy[] = [];
  readonly #githubs: FakeGitHubServer[] = [];
  readonly #unwatch: (() => void)[] = [];

  private constructor(readonly dir: string) {}

  static async create(prefix = 'keyplan-e2e-'): Promise<E2eWorkspace> {
    return new E2eWorkspace(await mkdtemp(join(tmpdir(), prefix)));
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  async writeFile(relativePath: string, text: string): Promise<string> {
    const path = this.path(relativePath);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    return path;
  }

  readFile(relativePath: string): Promise<string> {
    return readFile(this.path(relativePath), 'utf8');
  }

  writeKeysYaml(config: KeysYaml, relativePath = 'keys.yaml'): Promise<string> {
    return this.writeFile(relativePath, keysYaml(config));
  }

  /** Runs the CLI in this directory; its output is scanned for secrets at dispose. */
  async run(args: string[], options: Omit<RunCliOptions, 'cwd'> = {}): Promise<CliResult> {
    const result = await runCli(args, { cwd: this.dir, ...options });
    this.secrets.record(`stdout of keyplan ${args.join(' ')}`, result.stdout);
    this.secrets.record(`stderr of keyplan ${args.join(' ')}`, result.stderr);
    return result;
  }

  /** Starts the CLI in this directory without waiting for it (to signal it); its output is scanned at dispose. */
  start(args: string[], options: Omit<RunCliOptions, 'cwd'> = {}): RunningCli {
    const running = startCli(args, { cwd: this.dir, ...options });
    const done = running.done.then((result) => {
      this.secrets.record(`stdout of keyplan ${args.join(' ')}`, result.stdout);
      this.secrets.record(`stderr of keyplan ${args.join(' ')}`, result.stderr);
      return result;
    });
    return { ...running, done };
  }

  /**
   * Starts `keyplan serve` with its own database under this directory and a random admin key
   * (registered as a secret, like every secret its API hands out).
   */
  async startKeyService(options: Partial<Omit<StartKeyServiceOptions, 'dir'>> = {}): Promise<KeyService> {
    const adminKey = options.adminKey ?? `kp-e2e-admin-${randomBytes(24).toString('hex')}`;
    this.secrets.addSecret(adminKey);
    const pepper = options.env?.KEYPLAN_PEPPER;
    if (pepper) this.secrets.addSecret(pepper);
    const dir = this.path(`service-${this.#services.length + 1}`);
    await mkdir(dir, { recursive: true });
    const service = await KeyService.start({ ...options, dir, adminKey });
    service.onSecret = (secret) => this.secrets.addSecret(secret);
    this.#services.push(service);
    return service;
  }

  async startFaultProxy(target: string, inject: (n: number, req: IncomingMessage) => Fault): Promise<FaultProxy> {
    const proxy = await FaultProxy.start(target, inject);
    this.#proxies.push(proxy);
    return proxy;
  }

  /**
   * Starts the GitHub stand-in (every request checked against GitHub's OpenAPI description). At dispose its
   * breaches of the contract fail the test, and every body keyplan sent it is scanned for secrets.
   */
  async startGitHub(): Promise<FakeGitHubServer> {
    this.secrets.addSecret(GITHUB_TEST_TOKEN);
    const github = await FakeGitHubServer.start(GITHUB_TEST_TOKEN);
    this.#githubs.push(github);
    return github;
  }

  /**
   * The environment of a GitHub Actions job for `github`: token, API URL, repository, run, the event payload
   * (a pull_request event when `pullRequest` is given), and step summary and outputs files under this directory.
   */
  async actionsEnv(github: FakeGitHubServer, options: { repo?: string; pullRequest?: number; fork?: boolean; sha?: string } = {}): Promise<Record<string, string | undefined>> {
    const repo = options.repo ?? 'acme/keys';
    const event = options.pullRequest === undefined ? {} : {
      pull_request: { number: options.pullRequest, head: { repo: { full_name: options.fork ? 'mallory/keys' : repo } }, base: { repo: { full_name: repo } } },
    };
    const eventPath = await this.writeFile(`.github-event-${options.pullRequest ?? 'push'}.json`, JSON.stringify(event));
    return {
      GITHUB_ACTIONS: 'true', GITHUB_TOKEN: GITHUB_TEST_TOKEN, GH_TOKEN: undefined, GITHUB_API_URL: github.url, GITHUB_REPOSITORY: repo,
      GITHUB_EVENT_PATH: eventPath, GITHUB_SHA: options.sha ?? 'c0ffee0000000000000000000000000000000001', GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '4242',
      GITHUB_STEP_SUMMARY: this.path('step-summary.md'), GITHUB_OUTPUT: this.path('step-output.txt'),
    };
  }

  /** Scans this test's outputs for every secret a shared server (a real Strapi) handed out, before and during the test. */
  watchSecretsOf(server: { watchSecrets(listener: (secret: string) => void): () => void }): void {
    this.#unwatch.push(server.watchSecrets((secret) => this.secrets.addSecret(secret)));
  }

  /** Stops services and proxies, scans their logs and databases and every recorded output, then deletes the directory. */
  async dispose(): Promise<void> {
    for (const unwatch of this.#unwatch.splice(0)) unwatch();
    try {
      await Promise.all(this.#proxies.map((proxy) => proxy.stop()));
      await Promise.all(this.#githubs.map((github) => github.stop()));
      for (const [index, github] of this.#githubs.entries()) {
        this.secrets.record(`bodies sent to GitHub stand-in ${index + 1}`, github.bodies.join('\n'));
        if (github.violations.length > 0) throw new Error(`requests or answers broke GitHub's OpenAPI contract:\n  ${github.violations.join('\n  ')}`);
      }
      for (const file of ['step-summary.md', 'step-output.txt']) await this.secrets.recordFile(file, this.path(file));
      await Promise.all(this.#services.map((service) => service.stop()));
      for (const [index, service] of this.#services.entries()) {
        const { stdout, stderr } = service.output();
        this.secrets.record(`key service ${index + 1} stdout`, stdout);
        this.secrets.record(`key service ${index + 1} stderr`, stderr);
        if (/^postgres(ql)?:\/\//.test(service.dbPath)) {
          for (const [table, bytes] of await databaseContents(service.dbPath)) this.secrets.record(`key service ${index + 1} table ${table}`, bytes.toString('latin1'));
        }
        else for (const suffix of ['', '-wal']) await this.secrets.recordFile(`key service ${index + 1} ${service.dbPath}${suffix}`, `${service.dbPath}${suffix}`);
      }
      this.secrets.assertNoLeaks();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}

/** Registers vitest hooks giving each test a fresh workspace, disposed (and leak-checked) after it. */
export function useWorkspace(prefix?: string): () => E2eWorkspace {
  let current: E2eWorkspace | undefined;
  beforeEach(async () => {
    current = await E2eWorkspace.create(prefix);
  });
  afterEach(async () => {
    const workspace = current;
    current = undefined;
    await workspace?.dispose();
  });
  return () => {
    if (!current) throw new Error('useWorkspace(): no workspace outside a test');
    return current;
  };
}
