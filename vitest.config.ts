import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Files share one database; they isolate by creating their own users and rows.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
