import type { TestProject } from 'vitest/node';
import { PgCluster } from './pg-cluster.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The superuser URL of the run's throwaway PostgreSQL cluster (tests create their own databases on it). */
    pgAdminUrl: string;
  }
}

/** One throwaway PostgreSQL cluster for the whole test run; each test file makes its own databases on it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await PgCluster.start();
  project.provide('pgAdminUrl', cluster.url());
  return () => cluster.destroy();
}
