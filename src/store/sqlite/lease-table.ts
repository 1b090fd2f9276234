import type Database from 'better-sqlite3';
import type { AcquireLeaseInput, Lease, LeaseAttempt } from '../contract.js';
import { newLeaseId } from '../shared/ids.js';
import { checkLeaseInput, checkedTtl, holderText, leaseEvent, leaseFromRow, releaseAction, type LeaseRow } from '../shared/leases.js';
import type { EventLog } from './event-log.js';

const COLUMNS = 'id, ownership, holder, actor, acquired_at, expires_at';

/** Apply leases on SQLite: each call one immediate transaction, so two acquires of one ownership never both win. */
export class LeaseTable {
  readonly #byOwnership: Database.Statement<[string], LeaseRow>;
  readonly #byId: Database.Statement<[string], LeaseRow>;
  readonly #put: Database.Statement<[LeaseRow]>;
  readonly #extend: Database.Statement<[number, string]>;
  readonly #delete: Database.Statement<[string]>;

  constructor(
    private readonly db: Database.Database,
    private readonly events: EventLog,
    private readonly clock: () => number,
  ) {
    this.#byOwnership = db.prepare(`SELECT ${COLUMNS} FROM leases WHERE ownership = ?`);
    this.#byId = db.prepare(`SELECT ${COLUMNS} FROM leases WHERE id = ?`);
    this.#put = db.prepare(
      `INSERT OR REPLACE INTO leases (${COLUMNS}) VALUES (@id, @ownership, @holder, @actor, @acquired_at, @expires_at)`,
    );
    this.#extend = db.prepare('UPDATE leases SET expires_at = ? WHERE id = ?');
    this.#delete = db.prepare('DELETE FROM leases WHERE id = ?');
  }

  acquire(input: AcquireLeaseInput): LeaseAttempt {
    checkLeaseInput(input);
    return this.db
      .transaction((): LeaseAttempt => {
        const now = this.clock();
        const current = this.#byOwnership.get(input.ownership);
        if (current && current.expires_at > now) return { acquired: false, held: leaseFromRow(current) };
        const actor = input.actor ?? 'local';
        const row: LeaseRow = {
          id: newLeaseId(now),
          ownership: input.ownership,
          holder: holderText(input.holder),
          actor,
          acquired_at: now,
          expires_at: now + input.ttlSeconds * 1000,
        };
        this.#put.run(row);
        const lease = leaseFromRow(row);
        this.events.record(leaseEvent('lease.acquired', lease, actor, now));
        return { acquired: true, lease };
      })
      .immediate();
  }

  renew(id: string, ttlSeconds: number): Lease | undefined {
    checkedTtl(ttlSeconds);
    return this.db
      .transaction(() => {
        const now = this.clock();
        const row = this.#unexpired(id, now);
        if (!row) return undefined;
        this.#extend.run(now + ttlSeconds * 1000, id);
        return leaseFromRow({ ...row, expires_at: now + ttlSeconds * 1000 });
      })
      .immediate();
  }

  release(id: string, actor: string): Lease | undefined {
    return this.db
      .transaction(() => {
        const now = this.clock();
        const row = this.#byId.get(id);
        if (!row) return undefined;
        this.#delete.run(id);
        if (row.expires_at <= now) return undefined;
        const lease = leaseFromRow(row);
        this.events.record(leaseEvent(releaseAction(row, actor), lease, actor, now));
        return lease;
      })
      .immediate();
  }

  current(ownership: string): Lease | undefined {
    const row = this.#byOwnership.get(ownership);
    return row && row.expires_at > this.clock() ? leaseFromRow(row) : undefined;
  }

  #unexpired(id: string, now: number): LeaseRow | undefined {
    const row = this.#byId.get(id);
    return row && row.expires_at > now ? row : undefined;
  }
}
