// Runs the suites of the current majors that need Node 22+ under Node 24 (`tools/node24`'s `node`
// package's binary): the openai integration suites with openai 7 (vitest.openai7.config.ts) and the
// ai-sdk suite with ai 7 (vitest.ai7.config.ts), and checks first that all three really are what the
// run says.
//
// The first pass of `npm test`.
//
//   node scripts/test-majors.mjs [openai|ai]   (default: both)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const suites = {
  openai: { config: 'vitest.openai7.config.ts', label: 'openai integration suites' },
  ai: { config: 'vitest.ai7.config.ts', label: 'ai-sdk suite' },
};
const only = process.argv[2];
if (only !== undefined && !(only in suites)) {
  console.error(`usage: node scripts/test-majors.mjs [${Object.keys(suites).join('|')}]`);
  process.exit(2);
}

// tools/node24 has its own lockfile; a fresh clone installs it here (npm ci: a lockfile it
// refuses fails the run). A checkout whose install predates a dependency gets it the same way.
const installed = ['node/bin/node', 'openai/package.json', 'ai/package.json'].every((path) =>
  existsSync(new URL(`../tools/node24/node_modules/${path}`, import.meta.url)),
);
if (!installed) {
  const install = spawnSync('npm', ['ci', '--prefix', 'tools/node24', '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  });
  if (install.status !== 0) process.exit(install.status ?? 1);
}

const node = new URL('../tools/node24/node_modules/node/bin/node', import.meta.url).pathname;
const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const versionOf = (name) =>
  `JSON.parse(require('fs').readFileSync('tools/node24/node_modules/${name}/package.json')).version`;
const probe = spawnSync(
  node,
  ['-p', `[process.version, ${versionOf('openai')}, ${versionOf('ai')}].join(' ')`],
  {
    encoding: 'utf8',
  },
);
if (probe.status !== 0) {
  console.error(probe.stderr);
  process.exit(1);
}
const [nodeVersion, openaiVersion, aiVersion] = probe.stdout.trim().split(' ');
console.log(`\n=== Current majors pass: Node ${nodeVersion}, openai ${openaiVersion}, ai ${aiVersion} ===`);
if (!nodeVersion?.startsWith('v24.') || !openaiVersion?.startsWith('7.') || !aiVersion?.startsWith('7.')) {
  console.error('expected Node 24, openai 7 and ai 7');
  process.exit(1);
}
for (const [name, { config, label }] of Object.entries(suites)) {
  if (only !== undefined && only !== name) continue;
  console.log(`${label}: Node ${nodeVersion} (${config})`);
  const run = spawnSync(node, [vitest, 'run', '--config', config], {
    stdio: 'inherit',
    // test/integrations/openai-major.test.ts checks that the suites really load openai 7.
    env: { ...process.env, EXPECT_OPENAI_MAJOR: '7' },
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
