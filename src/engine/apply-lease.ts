import { KeyplanError } from '../core/errors.js';
import { isoTime } from '../core/humanize.js';
import { isStale, type LockHolder } from '../io/lock-file.js';
import type { ApplyLease, LeaseHolder, Provider } from '../providers/provider.js';

/** How long a lease lives unless renewed; it is renewed every third of that while the apply runs. */
export const LEASE_TTL_SECONDS = 60;

export interface HeldLeases {
  /** Aborted when a lease was lost (force-unlocked, or expired while unreachable): start nothing more. */
  lost: AbortSignal;
  /** Why `lost` was aborted. */
  lostReason(): string | undefined;
  release(): Promise<void>;
}

/** The run's text for the lease: the GitHub Actions run URL when there is one. */
export function runText(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}

/**
 * Takes the apply lease of `ownership` at every provider that holds leases, waiting up to `timeoutMs` for
 * another checkout's apply to end, and renews them until released. Refuses, naming the holder, when one
 * stays held.
 */
export async function takeLeases(
  providers: ReadonlyMap<string, Provider>,
  ownership: string,
  lock: LockHolder,
  options: { timeoutMs: number; run?: string | undefined; pollMs?: number },
): Promise<HeldLeases> {
  const holder: LeaseHolder = { pid: lock.pid, host: lock.host, startedAt: lock.startedAt, ...(options.run ? { run: options.run } : {}) };
  const controller = new AbortController();
  let reason: string | undefined;
  const taken: { name: string; provider: Provider; lease: ApplyLease; timer?: NodeJS.Timeout }[] = [];
  const release = async () => {
    for (const held of taken.splice(0)) {
      clearInterval(held.timer);
      await held.provider.leases?.release(held.lease.id).catch(() => undefined);
    }
  };
  try {
    for (const [name, provider] of providers) {
      if (!provider.leases || (await provider.capabilities()).leases !== true) continue;
      const lease = await acquire(name, provider, ownership, holder, options);
      const entry: (typeof taken)[number] = { name, provider, lease };
      entry.timer = setInterval(() => {
        void provider.leases?.renew(lease.id, LEASE_TTL_SECONDS).then(
          (renewed) => {
            if (renewed) entry.lease = renewed;
            else lose(`the apply lease ${lease.id} at provider ${name} was released by someone else (keyplan force-unlock) or expired`);
          },
          () => {
            if (Date.now() >= entry.lease.expiresAt) lose(`the apply lease ${lease.id} at provider ${name} expired: the key service could not be reached to renew it`);
          },
        );
      }, (LEASE_TTL_SECONDS * 1000) / 3);
      entry.timer.unref();
      taken.push(entry);
    }
  } catch (error) {
    await release();
    throw error;
  }
  function lose(why: string): void {
    if (reason !== undefined) return;
    reason = why;
    controller.abort();
  }
  return { lost: controller.signal, lostReason: () => reason, release };
}

async function acquire(
  name: string,
  provider: Provider,
  ownership: string,
  holder: LeaseHolder,
  options: { timeoutMs: number; pollMs?: number },
): Promise<ApplyLease> {
  const deadline = Date.now() + options.timeoutMs;
  const brokenStale = new Set<string>();
  for (;;) {
    const attempt = await (provider.leases as NonNullable<Provider['leases']>).acquire(ownership, holder, LEASE_TTL_SECONDS);
    if (attempt.acquired) return attempt.lease;
    // A holder on this host whose process is gone (killed, or a second Ctrl-C) left its lease behind: break it.
    const { holder: held } = attempt.heldBy;
    if (!brokenStale.has(attempt.heldBy.id) && isStale({ id: attempt.heldBy.id, pid: held.pid, host: held.host, startedAt: held.startedAt, command: 'keyplan apply' })) {
      brokenStale.add(attempt.heldBy.id);
      await provider.leases?.release(attempt.heldBy.id);
      continue;
    }
    if (Date.now() >= deadline) {
      const held = attempt.heldBy;
      const run = held.holder.run ? `, run ${held.holder.run}` : '';
      throw new KeyplanError(
        `another apply of ownership ${ownership} holds the apply lease at provider ${name} (${provider.description}): ` +
          `pid ${held.holder.pid} on host ${held.holder.host}, started ${held.holder.startedAt}${run}, lease ID ${held.id}, until ${isoTime(held.expiresAt)} unless renewed. ` +
          `Wait for it (--lock-timeout 5m waits up to five minutes); if it no longer runs, break it with: keyplan force-unlock ${held.id}. Nothing was changed.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollMs ?? 1000, Math.max(1, deadline - Date.now()))));
  }
}
