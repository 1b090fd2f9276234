import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A throwaway PostgreSQL cluster for the run (initdb + pg_ctl in a temp dir): the PostgreSQL store is tested for real.
    globalSetup: ['test/helpers/pg-global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'all', include: ['test/**/*.test.ts'] } },
      {
        // The key service's server tests once more, on PostgreSQL instead of SQLite (see test/server/harness.ts).
        extends: true,
        test: {
          name: 'server-on-postgres',
          include: ['test/server/**/*.test.ts'],
          // Tests that start their own SQLite servers (not through the harness) run once, in `all`.
          exclude: ['test/server/serve-cli.test.ts', 'test/server/openapi.test.ts', 'test/server/full-disk.test.ts', 'test/server/exhaustion.test.ts'],
          env: { KEYPLAN_TEST_STORE: 'postgres' },
        },
      },
    ],
  },
});
