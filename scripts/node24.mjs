// Node 24 for the test runs: the `node` package of tools/node24 (own package.json and lockfile,
// installed with `npm ci` on first use) and the project's native addons built for its ABI.
//
// better-sqlite3 is a V8 addon (one binary per Node ABI): the root node_modules holds the Node 20
// build, so a copy of the *same* package (the root's version, its sources) is built for Node 24
// under tools/node24/native/node_modules/better-sqlite3: `prebuild-install` first (seconds, needs
// github.com), else `node-gyp rebuild` with Node 24's own headers (they ship in the `node`
// package: no download). The result is cached, keyed by version, ABI, platform and arch.
// scripts/node24-hooks.mjs then resolves `better-sqlite3` to that copy, for `import` and `require`.
// N-API addons (lz4-napi, rollup, rolldown, lightningcss) are ABI-stable: the root builds load.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const tools = `${root}tools/node24`;
export const node24 = `${tools}/node_modules/node/bin/node`;
export const nativeDir = `${tools}/native`;
export const hooks = `${root}scripts/node24-hooks.mjs`;

const run = (cmd, args, options = {}) => spawnSync(cmd, args, { stdio: 'inherit', ...options });
const seconds = (start) => `${((performance.now() - start) / 1000).toFixed(1)} s`;

/** Installs tools/node24 when missing; returns Node 24's version. Exits the process on failure. */
export function ensureNode24() {
  if (!existsSync(node24)) {
    const install = run('npm', ['ci', '--prefix', tools, '--no-audit', '--no-fund']);
    if (install.status !== 0) process.exit(install.status ?? 1);
  }
  const probe = spawnSync(node24, ['-p', 'process.version + " " + process.versions.modules'], {
    encoding: 'utf8',
  });
  const [version, modules] = probe.stdout.trim().split(' ');
  if (probe.status !== 0 || !version?.startsWith('v24.')) {
    console.error(`expected Node 24 at ${node24}, got ${probe.stdout}${probe.stderr}`);
    process.exit(1);
  }
  return { version, modules };
}

/** Builds (or reuses) better-sqlite3 for Node 24; returns a one-line description. */
export function ensureNativeForNode24({ version, modules }) {
  const pkg = JSON.parse(readFileSync(`${root}node_modules/better-sqlite3/package.json`, 'utf8'));
  const key = {
    package: 'better-sqlite3',
    version: pkg.version,
    modules,
    platform: process.platform,
    arch: process.arch,
  };
  const target = `${nativeDir}/node_modules/better-sqlite3`;
  const binary = `${target}/build/Release/better_sqlite3.node`;
  const stampFile = `${nativeDir}/stamp.json`;
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : '';
  if (stamp === JSON.stringify(key) && existsSync(binary)) {
    return `better-sqlite3 ${pkg.version} for Node ${version} (ABI ${modules}): cached in tools/node24/native`;
  }
  const start = performance.now();
  rmSync(nativeDir, { recursive: true, force: true });
  mkdirSync(`${nativeDir}/node_modules`, { recursive: true });
  cpSync(`${root}node_modules/better-sqlite3`, target, {
    recursive: true,
    filter: (source) => !source.startsWith(`${root}node_modules/better-sqlite3/build`),
  });
  const env = { ...process.env, PATH: `${tools}/node_modules/node/bin:${process.env.PATH}` };
  let how = 'prebuilt binary (prebuild-install)';
  const prebuilt = run(
    node24,
    [`${root}node_modules/prebuild-install/bin.js`, '--runtime', 'node', '--target', version.slice(1)],
    { cwd: target, env, timeout: 60_000, stdio: ['ignore', 'ignore', 'ignore'] },
  );
  if (prebuilt.status !== 0 || !existsSync(binary)) {
    how = 'built from source (node-gyp, Node 24 headers of the node package)';
    const nodedir = `${tools}/node_modules/node/node_modules/node-${process.platform}-${process.arch}`;
    const gyp = spawnSync(
      node24,
      [
        `${root}node_modules/node-gyp/bin/node-gyp.js`,
        'rebuild',
        '--release',
        `--nodedir=${nodedir}`,
        '-j',
        String(availableParallelism()),
      ],
      { cwd: target, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (gyp.status !== 0 || !existsSync(binary)) {
      console.error(`could not build better-sqlite3 for Node 24:\n${gyp.stdout}\n${gyp.stderr}`);
      process.exit(gyp.status || 1);
    }
  }
  // scripts/node24-hooks.mjs follows the stamp: written first, removed if the build does not load.
  writeFileSync(stampFile, JSON.stringify(key));
  const check = spawnSync(
    node24,
    [
      '--import',
      hooks,
      '-e',
      "const D = require('better-sqlite3'); new D(':memory:').prepare('select 1').get()",
    ],
    { env: { ...env, ARC_NODE24_NATIVE: nativeDir }, encoding: 'utf8' },
  );
  if (check.status !== 0) {
    rmSync(stampFile, { force: true });
    console.error(`better-sqlite3 built for Node 24 does not load:\n${check.stderr}`);
    process.exit(1);
  }
  return `better-sqlite3 ${pkg.version} for Node ${version} (ABI ${modules}): ${how} in ${seconds(start)}`;
}

// `node scripts/node24.mjs`: prepares both (.ci/run starts it in the background early on).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const runtime = ensureNode24();
  const native = ensureNativeForNode24(runtime);
  console.log(`Node ${runtime.version} (tools/node24) ready; ${native} (${seconds(started)} in all)`);
}
