// The Node 24 pass of `npm test`: the suite (vitest.node24.config.ts: everything except the suites
// listed, with the reason for each, in scripts/node24-subset.json) under Node 24 from tools/node24,
// with better-sqlite3 13 resolved for it (scripts/node24.mjs, scripts/node24-hooks.mjs). Says what
// it runs; test/runtime.test.ts checks that it really is Node 24 with that better-sqlite3.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describeNode24, ensureNode24, hooks, node24, tools } from './node24.mjs';

const started = performance.now();
const runtime = ensureNode24();
const subset = JSON.parse(readFileSync(new URL('./node24-subset.json', import.meta.url), 'utf8'));
console.log(`\n=== Node 24 pass: the test suite on Node ${runtime.version} ===`);
console.log(`    ${describeNode24(runtime)}`);
console.log('    subset: the whole suite except (these run on the Node 20 pass only):');
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
      ARC_NODE24_TOOLS: tools,
      EXPECT_NODE_MAJOR: '24',
    },
  },
);
const took = ((performance.now() - started) / 1000).toFixed(0);
console.log(
  `\n=== Node 24 pass on Node ${runtime.version}: ${run.status === 0 ? 'passed' : 'FAILED'} in ${took} s ===`,
);
process.exit(run.status ?? 1);
