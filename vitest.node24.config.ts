import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import subset from './scripts/node24-subset.json' with { type: 'json' };
import base from './vitest.config.js';

/**
 * The Node 24 pass of `npm test` (scripts/test-node24.mjs runs this config with Node 24 from
 * `tools/node24`, better-sqlite3 built for its ABI): the whole suite except the suites listed,
 * with the reason for each, in scripts/node24-subset.json (the slow Redis-topology, chaos and
 * randomized suites, and the openai suites that `npm run test:openai7` already runs on Node 24).
 * The script prints that list.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, ...Object.keys(subset.excluded)],
    },
  }),
);
