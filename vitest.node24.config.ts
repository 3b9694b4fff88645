import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import subset from './scripts/node24-subset.json' with { type: 'json' };
import base from './vitest.config.js';

/**
 * The Node 24 pass of `npm test` (scripts/test-node24.mjs runs this config with Node 24 from
 * `tools/node24`): the whole suite except the suites listed, with the reason for each, in
 * scripts/node24-subset.json (the slow Redis-topology, chaos and randomized suites, and the
 * openai suites that `npm run test:openai7` already runs on Node 24). The script prints that list.
 *
 * `better-sqlite3` is tools/node24's (13, N-API; see scripts/node24.mjs): through this alias for
 * the imports vitest resolves, through scripts/node24-hooks.mjs for `require` (the DiskBackend's).
 */
const betterSqlite3 = fileURLToPath(
  new URL('./tools/node24/node_modules/better-sqlite3/lib/index.js', import.meta.url),
);

export default mergeConfig(
  base,
  defineConfig({
    resolve: { alias: [{ find: /^better-sqlite3$/, replacement: betterSqlite3 }] },
    test: {
      exclude: [...configDefaults.exclude, ...Object.keys(subset.excluded)],
    },
  }),
);
