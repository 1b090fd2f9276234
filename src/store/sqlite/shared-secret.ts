import type Database from 'better-sqlite3';
import { Secret } from '../../core/secret.js';
import type { SharedSecretInfo } from '../contract.js';
import { SHARED_SECRET_PREFIX, displayPrefix, generateSecret, hashSecret, sameHash } from '../shared/secrets.js';

interface SharedSecretRow {
  prefix: string;
  secret_hash: Buffer;
  created_at: number;
  rotated_at: number;
}

/** The service's one shared secret (`kps_...`): kept as a keyed hash, shown once when rotated. */
export class SharedSecretStore {
  readonly #get: Database.Statement<[], SharedSecretRow>;
  readonly #upsert: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly pepper: Buffer,
  ) {
    this.#get = db.prepare('SELECT prefix, secret_hash, created_at, rotated_at FROM shared_secret WHERE id = 1');
    this.#upsert = db.prepare(
      `INSERT INTO shared_secret (id, prefix, secret_hash, created_at, rotated_at) VALUES (1, @prefix, @hash, @now, @now)
       ON CONFLICT (id) DO UPDATE SET prefix = @prefix, secret_hash = @hash, rotated_at = @now`,
    );
  }

  info(): SharedSecretInfo {
    const row = this.#get.get();
    if (!row) return { exists: false };
    return { exists: true, prefix: row.prefix, createdAt: row.created_at, rotatedAt: row.rotated_at };
  }

  rotate(now: number): { secret: Secret; prefix: string; rotatedAt: number } {
    const plaintext = generateSecret(SHARED_SECRET_PREFIX);
    const prefix = displayPrefix(plaintext);
    this.#upsert.run({ prefix, hash: hashSecret(this.pepper, plaintext), now });
    return { secret: new Secret(plaintext), prefix, rotatedAt: now };
  }

  /** Whether `candidate` is the current shared secret (constant-time comparison of keyed hashes). */
  matches(candidate: string): boolean {
    const row = this.#get.get();
    return row !== undefined && sameHash(row.secret_hash, hashSecret(this.pepper, candidate));
  }
}
