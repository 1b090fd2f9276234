/**
 * GitLab's REST API (v4) over keyplan's HTTP client (undici, retries with Retry-After, timeouts,
 * redaction): offset pagination by the `x-next-page` header, and failures as ProviderErrors that say what
 * to do. Works with gitlab.com and self-managed instances alike (`url` + `/api/v4`).
 * Not `@gitbeaker/rest`: a handful of token endpoints do not need a whole-API client, whose own retries, timeouts
 * and error types would sit beside keyplan's shared ones (which also redact tokens).
 */
import { ProviderError } from '../../core/errors.js';
import { KeyServiceClient, type ApiRequest, type ApiResponse, type KeyServiceClientOptions } from '../http-client.js';

export type GitLabClientOptions = Omit<KeyServiceClientOptions, 'serviceLabel'> & { tokenEnv: string };

const PER_PAGE = 100;

export class GitLabApi {
  readonly #client: KeyServiceClient;
  readonly #tokenEnv: string;
  readonly instance: string;

  constructor(options: GitLabClientOptions) {
    this.instance = options.url.replace(/\/+$/, '');
    this.#tokenEnv = options.tokenEnv;
    this.#client = new KeyServiceClient({ ...options, url: `${this.instance}/api/v4`, serviceLabel: 'GitLab' });
  }

  /** The answer's body when it is 2xx; anything else becomes a ProviderError. */
  async call<T>(action: string, request: ApiRequest, notFound?: string): Promise<T> {
    const reply = await this.#client.send(request);
    if (reply.status >= 200 && reply.status < 300) return reply.body as T;
    throw this.#error(reply, action, notFound);
  }

  async listAll<T>(action: string, path: string, query: Record<string, string> = {}): Promise<T[]> {
    const items: T[] = [];
    for (let page = '1'; ; ) {
      const reply = await this.#client.send({ method: 'GET', path, query: { ...query, page, per_page: String(PER_PAGE) } });
      if (reply.status < 200 || reply.status >= 300) throw this.#error(reply, action);
      if (!Array.isArray(reply.body)) throw new ProviderError(`cannot ${action}: GitLab answered with no list (${this.instance})`, reply.status, 'bad_response');
      items.push(...(reply.body as T[]));
      const next = reply.headers['x-next-page'];
      if (!next || (reply.body as T[]).length === 0) return items;
      page = next;
    }
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  #error(reply: ApiResponse, action: string, notFound?: string): ProviderError {
    const body = reply.body as { message?: unknown; error?: unknown } | undefined;
    const raw = body?.message ?? body?.error;
    const text = raw === undefined ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw);
    const said = text === '' ? '' : `: ${this.#client.redact(text)}`;
    const token = `the token in $${this.#tokenEnv}`;
    switch (reply.status) {
      case 401:
        return new ProviderError(`GitLab (${this.instance}) rejected ${token} (cannot ${action})${said}`, 401, 'unauthorized');
      case 403:
        return new ProviderError(`cannot ${action}: ${token} is not allowed to${said}; it needs the api scope, and for personal tokens of other users an administrator`, 403, 'forbidden');
      case 404:
        return new ProviderError(`cannot ${action}: ${notFound ?? `GitLab (${this.instance}) answered 404${said}`}`, 404, 'not_found');
      case 429:
        return new ProviderError(
          `cannot ${action}: GitLab is rate limiting requests (gave up after ${reply.attempts} attempts${reply.headers['retry-after'] ? `; it asks to wait ${reply.headers['retry-after']} s` : ''})${said}`,
          429,
          'rate_limited',
        );
      default:
        if (reply.status >= 400 && reply.status < 500) return new ProviderError(`cannot ${action}: GitLab refused it (HTTP ${reply.status})${said}`, reply.status, 'refused');
        return new ProviderError(`cannot ${action}: GitLab (${this.instance}) answered HTTP ${reply.status}${reply.attempts > 1 ? `, after ${reply.attempts} attempts` : ''}${said}`, reply.status);
    }
  }
}
