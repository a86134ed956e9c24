import { defineConfig } from 'vitest/config';

/**
 * The fault-injection suite (`pnpm test:faults`): `kill -9` of `exec`, a full disk under the telemetry database, and a
 * directory swapped for a symlink during a dashboard write, each against the built CLI. Kept out of `vitest.config.ts`
 * because it needs `pnpm build` first and takes minutes rather than seconds.
 */
export default defineConfig({
  resolve: {
    // The same conditions as the default suite, so a helper that imports a sibling package gets its sources.
    conditions: ['@llm-service/source'],
  },
  ssr: { resolve: { conditions: ['@llm-service/source'] } },
  test: {
    include: ['tests/faults/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    globalSetup: ['./vitest.global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Each file already runs several CLI processes at once; files in parallel on a 2-core runner only slow each other
    // and stretch the windows the faults are aimed at.
    fileParallelism: false,
  },
});
