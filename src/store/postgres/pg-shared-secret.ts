import { Secret } from '../../core/secret.js';
import type { SharedSecretInfo } from '../contract.js';
import { SHARED_SECRET_PREFIX, displayPrefix, generateSecret, hashSecret, sameHash } from '../shared/secrets.js';
import { recordEvent, type PgDatabase } from './pg-database.js';

/** The service's one shared secret (`kps_...`) on PostgreSQL: kept as a keyed hash, shown once when rotated. */
export class PgSharedSecret {
  constructor(
    private readonly db: PgDatabase,
    private readonly pepper: Buffer,
  ) {}

  async info(): Promise<SharedSecretInfo> {
    const rows = await this.db.query<{ prefix: string; created_at: number; rotated_at: number }>('SELECT prefix, created_at, rotated_at FROM shared_secret WHERE id = 1');
    const row = rows[0];
    return row ? { exists: true, prefix: row.prefix, createdAt: row.created_at, rotatedAt: row.rotated_at } : { exists: false };
  }

  async rotate(now: number, actor: string): Promise<{ secret: Secret; prefix: string; rotatedAt: number }> {
    return this.db.transaction(async (client) => {
      const plaintext = generateSecret(SHARED_SECRET_PREFIX);
      const prefix = displayPrefix(plaintext);
      await client.query(
        `INSERT INTO shared_secret (id, prefix, secret_hash, created_at, rotated_at) VALUES (1, $1, $2, $3, $3)
         ON CONFLICT (id) DO UPDATE SET prefix = $1, secret_hash = $2, rotated_at = $3`,
        [prefix, hashSecret(this.pepper, plaintext), now],
      );
      await recordEvent(client, { at: now, actor, action: 'shared_secret.rotated', keyId: null, details: { prefix } });
      return { secret: new Secret(plaintext), prefix, rotatedAt: now };
    });
  }

  async matches(candidate: string): Promise<boolean> {
    const rows = await this.db.query<{ secret_hash: Buffer }>('SELECT secret_hash FROM shared_secret WHERE id = 1');
    return rows[0] !== undefined && sameHash(rows[0].secret_hash, hashSecret(this.pepper, candidate));
  }
}
