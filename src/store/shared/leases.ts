import type { AcquireLeaseInput, Lease, LeaseHolder, StoreEvent } from '../contract.js';
import { unprocessable, type FieldIssue } from '../errors.js';

export const MIN_LEASE_TTL_SECONDS = 5;
export const MAX_LEASE_TTL_SECONDS = 3600;
export const MAX_OWNERSHIP_LENGTH = 200;
export const MAX_RUN_LENGTH = 200;

/** A lease as both stores keep it: the holder as JSON text, the caller that took it, times in epoch ms. */
export interface LeaseRow {
  id: string;
  ownership: string;
  holder: string;
  actor: string;
  acquired_at: number;
  expires_at: number;
}

export function leaseFromRow(row: LeaseRow): Lease {
  return { id: row.id, ownership: row.ownership, holder: JSON.parse(row.holder) as LeaseHolder, acquiredAt: row.acquired_at, expiresAt: row.expires_at };
}

/** The holder as stored: only its known fields, in one order. */
export function holderText(holder: LeaseHolder): string {
  return JSON.stringify({ pid: holder.pid, host: holder.host, startedAt: holder.startedAt, ...(holder.run !== undefined ? { run: holder.run } : {}) });
}

/** The store's own check of a lease request (the server checks the wire body first, with the same limits). */
export function checkLeaseInput(input: AcquireLeaseInput): void {
  const fields: FieldIssue[] = [];
  if (input.ownership === '' || input.ownership.length > MAX_OWNERSHIP_LENGTH) fields.push({ field: 'ownership', message: `must be 1 to ${MAX_OWNERSHIP_LENGTH} characters` });
  checkTtl(input.ttlSeconds, fields);
  if (input.holder.run !== undefined && input.holder.run.length > MAX_RUN_LENGTH) fields.push({ field: 'holder.run', message: `must be at most ${MAX_RUN_LENGTH} characters` });
  if (fields.length > 0) throw unprocessable(fields);
}

export function checkTtl(ttlSeconds: number, fields: FieldIssue[] = []): FieldIssue[] {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_LEASE_TTL_SECONDS || ttlSeconds > MAX_LEASE_TTL_SECONDS) {
    fields.push({ field: 'ttl_seconds', message: `must be an integer from ${MIN_LEASE_TTL_SECONDS} to ${MAX_LEASE_TTL_SECONDS}` });
  }
  return fields;
}

export function checkedTtl(ttlSeconds: number): number {
  const fields = checkTtl(ttlSeconds);
  if (fields.length > 0) throw unprocessable(fields);
  return ttlSeconds;
}

/** The event of a lease taken, released by the caller that took it, or ended by another (force-unlock). */
export function leaseEvent(action: 'lease.acquired' | 'lease.released' | 'lease.force_released', lease: Lease, actor: string, at: number): Omit<StoreEvent, 'id'> {
  return { at, actor, action, keyId: null, details: { lease_id: lease.id, ownership: lease.ownership, holder: { pid: lease.holder.pid, host: lease.holder.host } } };
}

/** How a release is recorded: by the caller that took the lease, or by another (a force-unlock). */
export function releaseAction(row: LeaseRow, actor: string): 'lease.released' | 'lease.force_released' {
  return row.actor === actor ? 'lease.released' : 'lease.force_released';
}
