import { defineConfig } from 'vitest/config';

// Engine tests share one Docker engine on a small machine: run test files one
// at a time so that builds do not starve each other and timings stay honest.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'labs/*/test/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
    reporters: ['default'],
  },
});
