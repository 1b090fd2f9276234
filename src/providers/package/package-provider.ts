/** `type: package`: a provider from an npm package (see plugin.ts), adapted to the Provider interface. */
import { KeyplanError, ProviderError, type ProviderErrorKind } from '../../core/errors.js';
import type { ProviderCapabilities, RemoteKey, Role } from '../../core/model.js';
import { Secret } from '../../core/secret.js';
import { loadProviderPackage } from './package-loader.js';
import type { PluginProvider, ProviderPlugin, ProviderPluginContext } from '../plugin.js';
import type { CreateKeyInput, CreatedKey, ListOptions, Provider, UpdateKeyInput } from '../provider.js';

const KINDS: ReadonlySet<string> = new Set<ProviderErrorKind>(['refused', 'not-found', 'conflict', 'stale', 'unavailable', 'maybe-committed']);

export interface PackageProviderOptions {
  name: string;
  package: string;
  options: Record<string, unknown>;
  context: ProviderPluginContext;
}

/** Opens lazily: the package loads on the first call, so opening stays synchronous like every provider's. */
export class PackageProvider implements Provider {
  readonly name: string;
  description: string;
  readonly #options: PackageProviderOptions;
  #opened: Promise<{ plugin: ProviderPlugin; provider: PluginProvider }> | undefined;

  constructor(options: PackageProviderOptions) {
    this.name = options.name;
    this.description = `package ${options.package}`;
    this.#options = options;
  }

  async capabilities(): Promise<ProviderCapabilities> {
    return (await this.#open()).plugin.capabilities;
  }

  roles(): Promise<Role[]> {
    return this.#call('read the roles', (p) => p.roles());
  }

  list(options?: ListOptions): Promise<RemoteKey[]> {
    return this.#call('list keys', (p) => p.list(options));
  }

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    const created = await this.#call(`create key ${JSON.stringify(input.name)}`, (p) => p.create(input));
    if (typeof created?.secret !== 'string' || created.secret === '') {
      throw new ProviderError(`${this.description} created key ${JSON.stringify(input.name)} but returned no secret`, undefined, 'bad_plugin', 'maybe-committed');
    }
    return { key: created.key, secret: new Secret(created.secret), replayed: created.replayed === true };
  }

  update(id: string, patch: UpdateKeyInput, etag?: string): Promise<RemoteKey> {
    return this.#call(`update key ${id}`, (p) => p.update(id, patch, etag));
  }

  revoke(id: string): Promise<RemoteKey> {
    return this.#call(`revoke key ${id}`, (p) => p.revoke(id));
  }

  async close(): Promise<void> {
    const opened = this.#opened;
    this.#opened = undefined;
    if (opened) await opened.then(({ provider }) => provider.close?.()).catch(() => undefined);
  }

  #open(): Promise<{ plugin: ProviderPlugin; provider: PluginProvider }> {
    this.#opened ??= (async () => {
      const plugin = await loadProviderPackage(this.#options.package, this.#options.context.baseDir);
      const provider = await plugin.open(this.#options.options, this.#options.context);
      this.description = `${provider.description} (package ${this.#options.package})`;
      return { plugin, provider };
    })();
    this.#opened.catch(() => (this.#opened = undefined));
    return this.#opened;
  }

  /** Runs a plugin call; what it throws becomes a ProviderError of the kind it named (else `unavailable`). */
  async #call<T>(action: string, call: (provider: PluginProvider) => Promise<T>): Promise<T> {
    const { provider } = await this.#open();
    try {
      return await call(provider);
    } catch (error) {
      if (error instanceof KeyplanError) throw error;
      const kind = (error as { kind?: unknown } | null)?.kind;
      const message = error instanceof Error ? error.message : String(error);
      throw new ProviderError(`cannot ${action} (${this.description}): ${message}`, undefined, 'plugin_error', typeof kind === 'string' && KINDS.has(kind) ? (kind as ProviderErrorKind) : 'unavailable');
    }
  }
}
