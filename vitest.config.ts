import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against sibling packages' sources, so no build is needed before a unit test.
    conditions: ['@llm-service/source'],
  },
  // Vitest resolves test imports through Vite's SSR environment, which reads its own conditions.
  ssr: { resolve: { conditions: ['@llm-service/source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'scripts/**/*.test.ts',
      'tests/docs/**/*.test.ts',
    ],
    setupFiles: ['./vitest.setup.ts'],
    globalSetup: ['./vitest.global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
