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
];
const check = `const names = ${JSON.stringify(expected)}; const missing = names.filter((n) => !(n in m));
if (missing.length) { console.error('missing exports: ' + missing.join(', ')); process.exit(1); }
`;
const checkTesting = `if (typeof t.backendConformance !== 'function') { console.error('testing subpath broken'); process.exit(1); }`;
const checkOpenai = `if (typeof o.withCache !== 'function' || typeof o.cacheStatus !== 'function') { console.error('openai subpath broken'); process.exit(1); }`;
const checkAiSdk = `if (typeof a.cacheMiddleware !== 'function' || typeof a.cachedTool !== 'function' || typeof a.cacheTool !== 'function') { console.error('ai-sdk subpath broken'); process.exit(1); }`;
const checkKeyv = `if (typeof k.toKeyvStore !== 'function') { console.error('keyv subpath broken'); process.exit(1); }`;
const checkOtel = `if (typeof ot.instrumentCache !== 'function') { console.error('otel subpath broken'); process.exit(1); }`;
const checkPrometheus = `if (typeof p.registerCacheMetrics !== 'function') { console.error('prometheus subpath broken'); process.exit(1); }`;
run(
  'node',
  [
    '-e',
    `const m = require('ai-response-cache'); const o = require('ai-response-cache/openai'); const k = require('ai-response-cache/keyv'); const p = require('ai-response-cache/prometheus'); const ot = require('ai-response-cache/otel'); const a = require('ai-response-cache/ai-sdk'); ${check} ${checkOpenai} ${checkKeyv} ${checkPrometheus} ${checkOtel} ${checkAiSdk} console.log('require ok')`,
  ],
  { cwd: work },
);
run(
  'node',
  [
    '--input-type=module',
    '-e',
    `const m = await import('ai-response-cache'); const o = await import('ai-response-cache/openai'); const t = await import('ai-response-cache/testing'); const k = await import('ai-response-cache/keyv'); const p = await import('ai-response-cache/prometheus'); const ot = await import('ai-response-cache/otel'); const a = await import('ai-response-cache/ai-sdk'); ${check} ${checkOpenai} ${checkKeyv} ${checkPrometheus} ${checkOtel} ${checkAiSdk} ${checkTesting} console.log('import ok')`,
  ],
  { cwd: work },
);
rmSync(work, { recursive: true, force: true });
console.log('package check passed');
