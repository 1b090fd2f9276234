/** The http provider's client of the key service's apply lease (`/v1/leases`, see schema/key-service.openapi.yaml). */
import { ProviderError } from '../core/errors.js';
import type { KeyServiceClient, ApiRequest, ApiResponse } from './http-client.js';
import { responseError } from './http-errors.js';
import type { ApplyLease, ApplyLeases, LeaseAttempt, LeaseHolder } from './provider.js';

/** Whether GET /v1/capabilities says the service holds leases (a missing property means it does not). */
export function leasesOffered(capabilitiesBody: unknown): boolean {
  return (capabilitiesBody as { leases?: unknown } | null | undefined)?.leases === true;
}

export class HttpLeases implements ApplyLeases {
  readonly #client: KeyServiceClient;
  readonly #tokenEnv: string;

  constructor(client: KeyServiceClient, tokenEnv: string) {
    this.#client = client;
    this.#tokenEnv = tokenEnv;
  }

  async acquire(ownership: string, holder: LeaseHolder, ttlSeconds: number): Promise<LeaseAttempt> {
    const res = await this.#client.send({ method: 'POST', path: '/v1/leases', body: { ownership, holder: wireHolder(holder), ttl_seconds: ttlSeconds } });
    if (res.status === 409) {
      const held = (res.body as { error?: { details?: { lease?: unknown } } } | undefined)?.error?.details?.lease;
      return { acquired: false, heldBy: this.#lease(held) };
    }
    this.#check(res, `take the apply lease of ownership ${ownership}`);
    return { acquired: true, lease: this.#lease(res.body) };
  }

  async renew(id: string, ttlSeconds: number): Promise<ApplyLease | undefined> {
    const res = await this.#client.send({ method: 'PUT', path: leasePath(id), body: { ttl_seconds: ttlSeconds } });
    if (res.status === 404) return undefined;
    this.#check(res, `renew the apply lease ${id}`);
    return this.#lease(res.body);
  }

  async release(id: string): Promise<boolean> {
    const res = await this.#client.send({ method: 'DELETE', path: leasePath(id) });
    if (res.status === 404) return false;
    this.#check(res, `release the apply lease ${id}`);
    return true;
  }

  async current(ownership: string): Promise<ApplyLease | null> {
    const request: ApiRequest = { method: 'GET', path: '/v1/leases', query: { ownership } };
    const res = await this.#client.send(request);
    this.#check(res, `read the apply lease of ownership ${ownership}`);
    const lease = (res.body as { lease?: unknown } | undefined)?.lease;
    return lease === null || lease === undefined ? null : this.#lease(lease);
  }

  #check(res: ApiResponse, action: string): void {
    if (res.status >= 200 && res.status < 300) return;
    throw responseError(res, { url: this.#client.url, tokenEnv: this.#tokenEnv, action, permission: 'keys:create, keys:update or keys:revoke', redact: (text) => this.#client.redact(text) });
  }

  #lease(value: unknown): ApplyLease {
    const raw = value as Record<string, unknown> | null | undefined;
    const holder = raw?.holder as Record<string, unknown> | undefined;
    const acquiredAt = Date.parse(String(raw?.acquired_at));
    const expiresAt = Date.parse(String(raw?.expires_at));
    if (!raw || typeof raw.id !== 'string' || typeof raw.ownership !== 'string' || !holder || !Number.isFinite(acquiredAt) || !Number.isFinite(expiresAt)) {
      throw new ProviderError(`the key service at ${this.#client.url} answered a lease request with something that is not a lease`, undefined, 'invalid_response');
    }
    return {
      id: raw.id,
      ownership: raw.ownership,
      holder: {
        pid: typeof holder.pid === 'number' ? holder.pid : 0,
        host: typeof holder.host === 'string' ? holder.host : 'unknown',
        startedAt: typeof holder.started_at === 'string' ? holder.started_at : 'unknown',
        ...(typeof holder.run === 'string' ? { run: holder.run } : {}),
      },
      acquiredAt,
      expiresAt,
    };
  }
}

function wireHolder(holder: LeaseHolder): Record<string, unknown> {
  return { pid: holder.pid, host: holder.host, started_at: holder.startedAt, ...(holder.run ? { run: holder.run.slice(0, 200) } : {}) };
}

function leasePath(id: string): string {
  return `/v1/leases/${encodeURIComponent(id)}`;
}
