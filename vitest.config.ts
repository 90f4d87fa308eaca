import { defineConfig } from 'vitest/config';

// One run covers every workspace. Browser tests drive Debian's Chromium through
// playwright-core from Node, so everything runs in the node environment.
export default defineConfig({
  test: {
    include: ['{packages/core,sdk,widget,server,evals}/src/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Two cores: PGlite start-up and Chromium are CPU-heavy, more workers only thrash.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
