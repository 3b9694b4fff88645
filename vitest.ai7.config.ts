import { defineConfig } from 'vitest/config';

/**
 * The ai-sdk middleware suite against `ai` 7 (LanguageModelV4, installed in `tools/node24` with its own
 * lockfile), which needs Node 22+: `npm run test:node24` runs this config under Node 24 (`tools/node24`'s
 * `node` package). The test file imports `ai` 7 by its path; the library itself never imports `ai`.
 */
export default defineConfig({
  test: {
    include: ['test/integrations/ai-sdk-v7.node24.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
