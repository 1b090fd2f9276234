import { inject } from 'vitest';
import { createDatabase } from './pg-cluster.mjs';

export { runSql } from './pg-cluster.mjs';

/** A new empty database on the run's shared throwaway cluster (see pg-global-setup.ts); returns its URL. */
export function freshDatabase(prefix = 'kp'): Promise<string> {
  return createDatabase(inject('pgAdminUrl'), prefix);
}
