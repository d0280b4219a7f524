import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Race tests need real concurrent transactions: only the PostgreSQL server has them (PGlite serializes).
    exclude: [...configDefaults.exclude, ...(process.env.STAYBASE_TEST_ON_SERVER === '1' ? [] : ['tests/**/*.race.test.ts'])],
    // Starts the fake Stripe the edge functions were pointed at (STAYBASE_TEST_STRIPE_URL), once for all files.
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Files share one database and isolate by creating their own users and rows. PGlite serves one session to
    // every connection, and interleaved extended-protocol messages from two clients collide there: run files one
    // at a time on the embedded database, in parallel on the server.
    fileParallelism: process.env.STAYBASE_TEST_ON_SERVER === '1',
    maxWorkers: 2,
  },
});
