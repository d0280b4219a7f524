import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Starts the fake Stripe the edge functions were pointed at (STAYBASE_TEST_STRIPE_URL), once for all files.
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Files share one database; they isolate by creating their own users and rows.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
