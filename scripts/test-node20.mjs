// The main pass of `npm test`: the whole suite (vitest.config.ts) on the machine's Node, which CI
// keeps at Node 20 (the oldest supported), with the root's openai 6 and better-sqlite3 12. Says so.
import { spawnSync } from 'node:child_process';

const started = performance.now();
console.log(
  `\n=== Node ${process.versions.node.split('.')[0]} pass: the whole test suite on Node ${process.version} ===\n`,
);
const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const run = spawnSync(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
const took = ((performance.now() - started) / 1000).toFixed(0);
console.log(`\n=== Node ${process.version} pass: ${run.status === 0 ? 'passed' : 'FAILED'} in ${took} s ===`);
process.exit(run.status ?? 1);
