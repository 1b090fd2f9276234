import type { AcquireLeaseInput, Lease, LeaseAttempt } from '../contract.js';
import { newLeaseId } from '../shared/ids.js';
import { checkLeaseInput, checkedTtl, holderText, leaseEvent, leaseFromRow, releaseAction, type LeaseRow } from '../shared/leases.js';
import { recordEvent, type PgDatabase } from './pg-database.js';

const COLUMNS = 'id, ownership, holder, actor, acquired_at, expires_at';

/**
 * Apply leases on PostgreSQL, shared by every instance: taking one is a single upsert that replaces only an
 * expired lease (a concurrent acquire waits on the row and then finds it held), so exactly one caller wins.
 */
export class PgLeases {
  constructor(
    private readonly db: PgDatabase,
    private readonly clock: () => number,
  ) {}

  async acquire(input: AcquireLeaseInput): Promise<LeaseAttempt> {
    checkLeaseInput(input);
    const actor = input.actor ?? 'local';
    // The upsert refuses an unexpired lease; one released between the upsert and the read is taken on the next turn.
    for (;;) {
      const attempt = await this.db.transaction(async (client): Promise<LeaseAttempt | undefined> => {
        const now = this.clock();
        const { rows } = await client.query<LeaseRow>(
          `INSERT INTO leases (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (ownership) DO UPDATE SET id = EXCLUDED.id, holder = EXCLUDED.holder, actor = EXCLUDED.actor,
             acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
           WHERE leases.expires_at <= EXCLUDED.acquired_at
           RETURNING ${COLUMNS}`,
          [newLeaseId(now), input.ownership, holderText(input.holder), actor, now, now + input.ttlSeconds * 1000],
        );
        if (rows[0]) {
          const lease = leaseFromRow(rows[0]);
          await recordEvent(client, leaseEvent('lease.acquired', lease, actor, now));
          return { acquired: true, lease };
        }
        const held = await client.query<LeaseRow>(`SELECT ${COLUMNS} FROM leases WHERE ownership = $1 AND expires_at > $2`, [input.ownership, now]);
        return held.rows[0] ? { acquired: false, held: leaseFromRow(held.rows[0]) } : undefined;
      });
      if (attempt) return attempt;
    }
  }

  async renew(id: string, ttlSeconds: number): Promise<Lease | undefined> {
    checkedTtl(ttlSeconds);
    const now = this.clock();
    const rows = await this.db.query<LeaseRow>(`UPDATE leases SET expires_at = $2 WHERE id = $1 AND expires_at > $3 RETURNING ${COLUMNS}`, [
      id,
      now + ttlSeconds * 1000,
      now,
    ]);
    return rows[0] && leaseFromRow(rows[0]);
  }

  async release(id: string, actor: string): Promise<Lease | undefined> {
    return this.db.transaction(async (client) => {
      const now = this.clock();
      const { rows } = await client.query<LeaseRow>(`DELETE FROM leases WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
      const row = rows[0];
      if (!row || row.expires_at <= now) return undefined;
      const lease = leaseFromRow(row);
      await recordEvent(client, leaseEvent(releaseAction(row, actor), lease, actor, now));
      return lease;
    });
  }

  async current(ownership: string): Promise<Lease | undefined> {
    const rows = await this.db.query<LeaseRow>(`SELECT ${COLUMNS} FROM leases WHERE ownership = $1 AND expires_at > $2`, [ownership, this.clock()]);
    return rows[0] && leaseFromRow(rows[0]);
  }
}
