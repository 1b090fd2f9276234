// Types for bench/audit-config.mjs, which the TypeScript tests import.
import type { KeyStore } from '../src/store/sqlite/key-store.js';

export function auditBenchKeyName(i: number): string;
export function seedAuditBench(
  store: Pick<KeyStore, 'batch' | 'createKey' | 'authenticate'>,
  clock: { at: number },
  options: { count: number; declared: number; now: number },
): void;
export function auditBenchYaml(dbPath: string, declared: number): string;
export function seedAuditStoreFile(
  keyStore: Pick<typeof KeyStore, 'open'>,
  dbPath: string,
  options: { count: number; declared: number; now: number },
): void;
