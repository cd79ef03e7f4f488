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
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          exclude: ['packages/model/**', '**/node_modules/**'],
          // One embedded PostgreSQL for the whole run; every test file gets its own database on it.
          globalSetup: ['packages/state/test/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
