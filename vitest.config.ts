import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // Pure code: no database, no network.
        test: {
          name: 'model',
          include: ['packages/model/test/**/*.test.ts'],
        },
      },
      {
        // The simulator brings its own PostgreSQL (the 3.4 controller database), so it needs no shared one.
        test: {
          name: 'sim',
          include: ['packages/euca-sim/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          exclude: ['packages/model/**', 'packages/euca-sim/**', '**/node_modules/**'],
          // One embedded PostgreSQL for the whole run; every test file gets its own database on it.
          globalSetup: ['packages/state/test/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
