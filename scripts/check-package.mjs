#!/usr/bin/env node
// Checks the packed tarball the way a user receives it:
//  1. publint (package.json / exports map against the files),
//  2. @arethetypeswrong/cli on the tarball (types resolve for node10/node16 CJS+ESM/bundler),
//  3. the unpacked tarball loads with both `require` and `import`, and exposes the public names
//     (`ai-response-cache/testing` is ESM-only, like vitest which it uses).
// Dependencies resolve from this repo's node_modules (the tarball is unpacked below .tmp/).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const work = join(root, '.tmp', 'pack-check');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

run('npx', ['--no-install', 'publint', '--strict']);

const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], {
  cwd: root,
  encoding: 'utf8',
})
  .trim()
  .split('\n')
  .pop();
const tarball = join(work, packed);
run('npx', ['--no-install', 'attw', tarball, '--profile', 'node16', '--exclude-entrypoints', './testing']);
// The conformance suite is ESM-only on purpose (vitest cannot be required): that one finding is expected.
run('npx', [
  '--no-install',
  'attw',
  tarball,
  '--profile',
  'node16',
  '--entrypoints',
  './testing',
  '--ignore-rules',
  'cjs-resolves-to-esm',
]);

const target = join(work, 'node_modules', 'ai-response-cache');
mkdirSync(target, { recursive: true });
run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
console.log(`unpacked ${packed}: ${readdirSync(join(target, 'dist')).length} files in dist/`);

const expected = [
  'createCache',
  'Cache',
  'MemoryBackend',
  'RedisBackend',
  'parseTtl',
  'CacheError',
  'ValidationError',
  'AIResponseCache',
  'CacheFactory',
  'DiskBackend',
  'HttpBackend',
];
const check = `const names = ${JSON.stringify(expected)}; const missing = names.filter((n) => !(n in m));
if (missing.length) { console.error('missing exports: ' + missing.join(', ')); process.exit(1); }
`;
/**
 * Each subpath and the functions it must export. `esmOnly` subpaths are not required from CJS.
 * A new integration adds one line here.
 */
const SUBPATHS = [
  { path: 'openai', names: ['withCache', 'cacheStatus'] },
  { path: 'keyv', names: ['toKeyvStore'] },
  { path: 'prometheus', names: ['registerCacheMetrics'] },
  { path: 'otel', names: ['instrumentCache'] },
  { path: 'langchain', names: ['LangChainCache', 'CachedEmbeddings'] },
  { path: 'anthropic', names: ['withCache'] },
  { path: 'ai-sdk', names: ['cacheMiddleware', 'cachedTool', 'cacheTool'] },
  { path: 'http', names: ['cacheResponses', 'fastifyCache'] },
  { path: 'config', names: ['configSchemas', 'parseConfig', 'checkConfig'] },
  {
    path: 'bench',
    names: ['CachePerformanceBenchmark', 'BenchmarkSuite', 'PerformanceRegressionDetector', 'measure'],
  },
  { path: 'testing', names: ['backendConformance', 'createHttpBackendServer'], esmOnly: true },
];
/** The script checking every subpath, loading each with `load` ('require' or 'import'). */
function subpathChecks(load) {
  return SUBPATHS.filter((s) => load === 'import' || !s.esmOnly)
    .map((s, i) => {
      const get =
        load === 'import'
          ? `await import('ai-response-cache/${s.path}')`
          : `require('ai-response-cache/${s.path}')`;
      return `const s${i} = ${get}; for (const n of ${JSON.stringify(s.names)}) if (typeof s${i}[n] !== 'function') { console.error('${s.path} subpath broken: ' + n); process.exit(1); }`;
    })
    .join(' ');
}
run(
  'node',
  [
    '-e',
    `const m = require('ai-response-cache'); ${check} ${subpathChecks('require')} console.log('require ok')`,
  ],
  {
    cwd: work,
  },
);
run(
  'node',
  [
    '--input-type=module',
    '-e',
    `const m = await import('ai-response-cache'); ${check} ${subpathChecks('import')} console.log('import ok')`,
  ],
  { cwd: work },
);
rmSync(work, { recursive: true, force: true });
console.log('package check passed');
