import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The openai integration suites against openai 7 (installed in `tools/node24` with its own lockfile), which needs
 * Node 22+: `.ci/run` runs this config under Node 24 (`tools/node24`'s `node` package) with
 * `npm run test:openai7`. Every `openai` import, the library's own included, resolves to openai 7.
 */
const openai7 = fileURLToPath(new URL('./tools/node24/node_modules/openai', import.meta.url));

export default defineConfig({
  // Straight to the ESM files: a directory alias would load `openai` as CommonJS and
  // `openai/streaming` as ESM, two copies of every class (instanceof fails across them).
  resolve: {
    alias: [
      { find: /^openai$/, replacement: `${openai7}/index.mjs` },
      { find: /^openai\/(.*?)(\.m?js)?$/, replacement: `${openai7}/$1.mjs` },
    ],
  },
  test: {
    include: ['test/integrations/openai*.test.ts', 'test/mock-openai/*.test.ts'],
    exclude: ['test/integrations/*.types.test.ts', 'test/integrations/*.redis.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
