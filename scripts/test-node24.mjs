// The Node 24 pass of `npm test`: the suite (vitest.node24.config.ts: everything except the suites
// listed in scripts/node24-subset.json) under Node 24 from tools/node24, with better-sqlite3
// built for Node 24's ABI (scripts/node24.mjs). Says what it runs, and test/runtime.test.ts
// checks that it really is Node 24 with that build.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ensureNativeForNode24, ensureNode24, hooks, nativeDir, node24, tools } from './node24.mjs';

const started = performance.now();
const runtime = ensureNode24();
const native = ensureNativeForNode24(runtime);
const subset = JSON.parse(readFileSync(new URL('./node24-subset.json', import.meta.url), 'utf8'));
console.log(`\n=== Node 24 pass: the test suite on Node ${runtime.version} (tools/node24) ===`);
console.log(`    ${native}`);
console.log('    subset: the whole suite except (these run on the Node 20 pass):');
for (const [glob, why] of Object.entries(subset.excluded)) console.log(`      - ${glob}: ${why}`);
console.log('');
const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const run = spawnSync(
  node24,
  [vitest, 'run', '--config', 'vitest.node24.config.ts', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      // Child processes of the tests (node, tsx) run on Node 24 too.
      PATH: `${tools}/node_modules/node/bin:${process.env.PATH}`,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${hooks}`.trim(),
      ARC_NODE24_NATIVE: nativeDir,
      EXPECT_NODE_MAJOR: '24',
    },
  },
);
console.log(
  `\n=== Node 24 pass on Node ${runtime.version}: ${run.status === 0 ? 'passed' : 'FAILED'} in ${((performance.now() - started) / 1000).toFixed(0)} s ===`,
);
process.exit(run.status ?? 1);
