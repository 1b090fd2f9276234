/**
 * Cloudflare's v4 API over keyplan's HTTP client (undici, retries with Retry-After, timeouts, redaction):
 * unwraps the `{success, errors, messages, result, result_info}` envelope, follows `page`/`per_page`
 * pagination, and turns failures into ProviderErrors that say what to do.
 * Not the `cloudflare` npm client: keyplan calls six token endpoints, and that client (a large generated SDK)
 * would bring its own retries, timeouts and error types beside keyplan's shared ones (which also redact tokens).
 */
import { ProviderError } from '../../core/errors.js';
import { KeyServiceClient, type ApiRequest, type ApiResponse, type KeyServiceClientOptions } from '../http-client.js';

export type CloudflareClientOptions = Omit<KeyServiceClientOptions, 'serviceLabel'> & { tokenEnv: string; accountId?: string };

interface Envelope {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: unknown;
  result_info?: { page?: number; per_page?: number; count?: number; total_count?: number };
}

const PER_PAGE = 50;

export class CloudflareApi {
  readonly #client: KeyServiceClient;
  readonly #options: CloudflareClientOptions;

  constructor(options: CloudflareClientOptions) {
    this.#options = options;
    this.#client = new KeyServiceClient({ ...options, serviceLabel: 'Cloudflare API' });
  }

  get url(): string {
    return this.#client.url;
  }

  /** Where the tokens live: `/accounts/{id}/tokens` or `/user/tokens`. */
  get tokensPath(): string {
    return this.#options.accountId === undefined ? '/user/tokens' : `/accounts/${encodeURIComponent(this.#options.accountId)}/tokens`;
  }

  async call<T>(action: string, request: ApiRequest): Promise<T> {
    const reply = await this.#client.send(request);
    return this.#result<T>(reply, action);
  }

  /** Every item of a paginated list. */
  async listAll<T>(action: string, path: string): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page++) {
      const reply = await this.#client.send({ method: 'GET', path, query: { page: String(page), per_page: String(PER_PAGE) } });
      const batch = this.#result<T[]>(reply, action);
      if (!Array.isArray(batch)) throw new ProviderError(`cannot ${action}: Cloudflare answered with no list (${this.url}${path})`, reply.status, 'bad_response');
      items.push(...batch);
      const info = (reply.body as Envelope).result_info;
      const total = info?.total_count;
      if (batch.length < PER_PAGE || (total !== undefined && items.length >= total)) return items;
    }
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  #result<T>(reply: ApiResponse, action: string): T {
    const body = reply.body as Envelope | undefined;
    if (reply.status >= 200 && reply.status < 300 && body?.success === true) return body.result as T;
    throw this.#error(reply, action);
  }

  #error(reply: ApiResponse, action: string): ProviderError {
    const body = reply.body as Envelope | undefined;
    const errors = (body?.errors ?? []).map((e) => `${e.code ?? '?'} ${this.#client.redact(String(e.message ?? ''))}`.trim());
    const said = errors.length > 0 ? `: ${errors.join('; ')}` : '';
    const token = `the token in $${this.#options.tokenEnv}`;
    const kind = this.#options.accountId === undefined ? 'API Tokens Write (and Read)' : 'Account API Tokens Write (and Read)';
    switch (reply.status) {
      case 401:
        return new ProviderError(`Cloudflare (${this.url}) rejected ${token} (cannot ${action})${said}`, 401, 'unauthorized');
      case 403:
        return new ProviderError(`cannot ${action}: ${token} lacks a permission; it needs the permission group ${kind}${said}`, 403, 'forbidden');
      case 404:
        return new ProviderError(`cannot ${action}: Cloudflare answered 404${said}`, 404, 'not_found');
      case 429: {
        const wait = reply.headers['retry-after'];
        return new ProviderError(
          `cannot ${action}: Cloudflare is rate limiting requests (gave up after ${reply.attempts} attempts${wait ? `; it asks to wait ${wait} s` : ''}); try again later${said}`,
          429,
          'rate_limited',
        );
      }
      default:
        if (reply.status >= 400 && reply.status < 500) return new ProviderError(`cannot ${action}: Cloudflare refused it (HTTP ${reply.status})${said}`, reply.status, 'refused');
        if (reply.status < 300) return new ProviderError(`cannot ${action}: Cloudflare answered success: false${said}`, 400, 'refused');
        return new ProviderError(`cannot ${action}: Cloudflare (${this.url}) answered HTTP ${reply.status}${reply.attempts > 1 ? `, after ${reply.attempts} attempts` : ''}${said}`, reply.status);
    }
  }
}
