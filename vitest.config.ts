import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A throwaway PostgreSQL cluster for the run (initdb + pg_ctl in a temp dir): the PostgreSQL store is tested for real.
    globalSetup: ['test/helpers/pg-global-setup.ts'],
  },
});
