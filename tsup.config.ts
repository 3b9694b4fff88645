import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  dts: true,
  // No source maps in the package: they were 4.0 of the 6.3 MB unpacked (their sourcesContent
  // is the whole of src/ again), and the output is not minified, so a stack trace into dist/
  // is readable as it is.
  sourcemap: false,
  target: 'node20',
  splitting: false,
  treeshake: true,
  // import.meta.url in the CJS build (the DiskBackend loads better-sqlite3 lazily through it).
  shims: true,
  external: [
    'vitest',
    'openai',
    '@anthropic-ai/sdk',
    'ai',
    '@langchain/core',
    'keyv',
    'prom-client',
    '@opentelemetry/api',
    'better-sqlite3',
    'express',
    'fastify',
  ],
};

/**
 * Integrations and the benchmark API (subpath exports) import the core only through `src/index.ts`; in the build that
 * import becomes the package's own name, so a subpath shares the core module (one class per error,
 * one hasher) instead of bundling a second copy.
 */
const coreAsPackage: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'core-as-package',
  setup(build) {
    build.onResolve({ filter: /^(\.\.\/)+index\.js$/ }, (args) =>
      args.importer.includes('/src/integrations/') ||
      args.importer.includes('/src/testing/') ||
      args.importer.includes('/src/benchmark/')
        ? { path: 'ai-response-cache', external: true }
        : undefined,
    );
    // `ai-response-cache/config` (src/config/public.ts) sits in the config layer and imports its
    // neighbours, which the main entry exports under the same names: in the build they are the
    // package itself, so the subpath's schemas are the ones the core builds (one zod schema set).
    build.onResolve({ filter: /^\.\/(schema|validate)\.js$/ }, (args) =>
      args.importer.endsWith('/src/config/public.ts')
        ? { path: 'ai-response-cache', external: true }
        : undefined,
    );
  },
};

export default defineConfig([
  // The core and the integrations: dual ESM + CJS.
  {
    ...shared,
    clean: false,
    entry: {
      index: 'src/index.ts',
      openai: 'src/integrations/openai/index.ts',
      anthropic: 'src/integrations/anthropic/index.ts',
      'ai-sdk': 'src/integrations/ai-sdk/index.ts',
      keyv: 'src/integrations/keyv/index.ts',
      langchain: 'src/integrations/langchain/index.ts',
      prometheus: 'src/integrations/prometheus/index.ts',
      otel: 'src/integrations/otel/index.ts',
      http: 'src/integrations/http/index.ts',
      bench: 'src/benchmark/index.ts',
      config: 'src/config/public.ts',
    },
    format: ['esm', 'cjs'],
    esbuildPlugins: [coreAsPackage],
  },
  // The command line: one ESM file with the core bundled in (no core-as-package rewrite: the
  // openai key helpers it uses import the core through `../../index.js`).
  {
    ...shared,
    clean: false,
    dts: false,
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    banner: { js: '#!/usr/bin/env node' },
  },
  // The conformance suite imports vitest, which is ESM-only: ESM only.
  {
    ...shared,
    clean: false,
    entry: { testing: 'src/testing/index.ts' },
    format: ['esm'],
    esbuildPlugins: [coreAsPackage],
  },
]);
