import type Database from 'better-sqlite3';
import type { StoreEvent } from '../contract.js';
import { decodeCursor, encodeCursor } from '../shared/cursor.js';

interface EventRow {
  id: number;
  at: number;
  actor: string;
  action: StoreEvent['action'];
  key_id: string | null;
  details: string | null;
}

export class EventLog {
  readonly #insert: Database.Statement;
  readonly #page: Database.Statement<[number, number], EventRow>;

  constructor(db: Database.Database) {
    this.#insert = db.prepare('INSERT INTO events (at, actor, action, key_id, details) VALUES (?, ?, ?, ?, ?)');
    this.#page = db.prepare('SELECT id, at, actor, action, key_id, details FROM events WHERE id > ? ORDER BY id LIMIT ?');
  }

  record(event: Omit<StoreEvent, 'id'>): void {
    this.#insert.run(event.at, event.actor, event.action, event.keyId, event.details ? JSON.stringify(event.details) : null);
  }

  list(options: { limit: number; cursor?: string }): { events: StoreEvent[]; nextCursor: string | null } {
    const rows = this.#page.all(decodeCursor(options.cursor), options.limit + 1);
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      events: page.map((row) => ({
        id: row.id,
        at: row.at,
        actor: row.actor,
        action: row.action,
        keyId: row.key_id,
        details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
      })),
      nextCursor: rows.length > options.limit && last ? encodeCursor(last.id) : null,
    };
  }
}
