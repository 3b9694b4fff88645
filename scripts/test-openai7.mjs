// Runs the openai integration suites with openai 7 under Node 24 (`tools/node24`'s `node` package's
// binary), and checks first that both really are what the run says.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// tools/node24 has its own lockfile; a fresh clone installs it here (npm ci: a lockfile it
// refuses fails the run).
if (!existsSync(new URL('../tools/node24/node_modules/node/bin/node', import.meta.url))) {
  const install = spawnSync('npm', ['ci', '--prefix', 'tools/node24', '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  });
  if (install.status !== 0) process.exit(install.status ?? 1);
}

const node = new URL('../tools/node24/node_modules/node/bin/node', import.meta.url).pathname;
const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const probe = spawnSync(
  node,
  [
    '-p',
    "process.version + ' ' + JSON.parse(require('fs').readFileSync('tools/node24/node_modules/openai/package.json')).version",
  ],
  { encoding: 'utf8' },
);
if (probe.status !== 0) {
  console.error(probe.stderr);
  process.exit(1);
}
const [nodeVersion, openaiVersion] = probe.stdout.trim().split(' ');
console.log(`openai integration suites: Node ${nodeVersion}, openai ${openaiVersion}`);
if (!nodeVersion?.startsWith('v24.') || !openaiVersion?.startsWith('7.')) {
  console.error('expected Node 24 and openai 7');
  process.exit(1);
}
const run = spawnSync(node, [vitest, 'run', '--config', 'vitest.openai7.config.ts'], {
  stdio: 'inherit',
  // test/integrations/openai-major.test.ts checks that the suites really load openai 7.
  env: { ...process.env, EXPECT_OPENAI_MAJOR: '7' },
});
process.exit(run.status ?? 1);
