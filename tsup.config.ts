import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  dts: true,
  sourcemap: true,
  target: 'node20',
  splitting: false,
  treeshake: true,
  external: ['vitest', 'openai', 'ai', '@langchain/core', 'keyv', 'prom-client', 'better-sqlite3'],
};

export default defineConfig([
  // The core and the integrations: dual ESM + CJS.
  { ...shared, clean: true, entry: { index: 'src/index.ts' }, format: ['esm', 'cjs'] },
  // The conformance suite imports vitest, which is ESM-only: ESM only.
  { ...shared, clean: false, entry: { testing: 'src/testing/index.ts' }, format: ['esm'] },
]);
