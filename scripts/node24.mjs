// Node 24 for the test runs: tools/node24 (own package.json and lockfile, installed with `npm ci`
// on first use) brings the `node` 24 binary, openai 7 and better-sqlite3 13.
//
// Native addons are per ABI. better-sqlite3 12 (the root's, for Node 20) is a V8 addon built for
// Node 20's ABI; rebuilt for Node 24 (node-gyp with Node 24's headers: ~90 s of CPU) it loads, but
// aborts the process when a Database is garbage-collected at exit (`Assertion failed: (env) !=
// nullptr` in RemoveEnvironmentCleanupHook, a known 12.x + Node 24 bug, fixed in 13 by moving to
// N-API). better-sqlite3 13 (Node >= 22) ships N-API prebuilds in its package: nothing to build,
// and it is what a Node 24 user installs. scripts/node24-hooks.mjs resolves `better-sqlite3` to it
// under Node 24. N-API addons (lz4-napi, rollup, rolldown, lightningcss) are ABI-stable: the root
// builds load on Node 24 as they are.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const tools = `${root}tools/node24`;
export const node24 = `${tools}/node_modules/node/bin/node`;
export const hooks = `${root}scripts/node24-hooks.mjs`;

const seconds = (start) => `${((performance.now() - start) / 1000).toFixed(1)} s`;

/**
 * Installs tools/node24 when something is missing and checks it; returns what it found.
 * Exits the process on failure.
 */
export function ensureNode24() {
  const started = performance.now();
  const wanted = ['node/bin/node', 'openai/package.json', 'better-sqlite3/package.json'];
  let installed = 'already installed';
  if (!wanted.every((file) => existsSync(`${tools}/node_modules/${file}`))) {
    const install = spawnSync('npm', ['ci', '--prefix', tools, '--no-audit', '--no-fund'], {
      stdio: 'inherit',
    });
    if (install.status !== 0) process.exit(install.status ?? 1);
    installed = `installed with npm ci in ${seconds(started)}`;
  }
  const probe = spawnSync(
    node24,
    [
      '--import',
      hooks,
      '-e',
      [
        "const D = require('better-sqlite3');",
        "new D(':memory:').prepare('select 1').get();",
        "const v = (p) => JSON.parse(require('fs').readFileSync(process.env.ARC_NODE24_TOOLS + '/node_modules/' + p + '/package.json')).version;",
        "console.log([process.version, process.versions.modules, v('openai'), v('better-sqlite3')].join(' '));",
      ].join(' '),
    ],
    { encoding: 'utf8', env: { ...process.env, ARC_NODE24_TOOLS: tools } },
  );
  const [version, modules, openai, betterSqlite3] = probe.stdout.trim().split(' ');
  if (probe.status !== 0 || !version?.startsWith('v24.')) {
    console.error(`expected Node 24 with better-sqlite3 at ${tools}, got:\n${probe.stdout}${probe.stderr}`);
    process.exit(1);
  }
  return { version, modules, openai, betterSqlite3, installed };
}

/** One line describing {@link ensureNode24}'s result. */
export function describeNode24(runtime) {
  return `Node ${runtime.version} (ABI ${runtime.modules}), openai ${runtime.openai}, better-sqlite3 ${runtime.betterSqlite3} (N-API prebuild): tools/node24 ${runtime.installed}`;
}

// `node scripts/node24.mjs`: installs and checks tools/node24.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(describeNode24(ensureNode24()));
}
