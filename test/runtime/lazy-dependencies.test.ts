/**
 * Importing the main entry loads none of the heavy dependencies: ioredis (a RedisBackend or a
 * RedisConnection loads it), lz4-napi (the first entry compressed with lz4), zod (the first
 * configuration parsed or validated), xxhash-wasm (a cache's first operation). Each case imports src/index.ts in a fresh
 * `node` process (through tsx) with a preload that records every module resolved
 * (fixtures/record-loads.mjs); one test per dependency, so a regression names its package.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const RECORDER = join(import.meta.dirname, 'fixtures', 'record-loads.mjs');
const ENTRY = join(ROOT, 'src', 'index.ts');

/** The package a resolved path or URL lies in (its last node_modules segment), if any. */
function packageOf(line: string): string | undefined {
  const match = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
  return match?.[1];
}

/** Runs `code` (an ES module body; `entry` is the main entry's URL) and lists the packages loaded. */
function packagesLoadedBy(code: string): Set<string> {
  const dir = mkdtempSync(join(tmpdir(), 'arc-loads-'));
  const out = join(dir, 'loads.txt');
  try {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        RECORDER,
        '--input-type=module',
        '-e',
        `const entry = ${JSON.stringify(`file://${ENTRY}`)};\n${code}`,
      ],
      { cwd: ROOT, env: { ...process.env, RECORD_LOADS_FILE: out }, encoding: 'utf8', timeout: 60_000 },
    );
    if (child.status !== 0) {
      throw new Error(`child exited with ${String(child.status)}: ${child.stderr || child.error?.message}`);
    }
    const packages = new Set<string>();
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      const name = packageOf(line);
      if (name !== undefined) packages.add(name);
    }
    return packages;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('import of the main entry in a fresh process', () => {
  let loaded: Set<string>;

  beforeAll(() => {
    loaded = packagesLoadedBy(
      'const m = await import(entry); if (typeof m.createCache !== "function") process.exit(3);',
    );
  }, 60_000);

  it('is recorded: lru-cache, which the L1 tier needs, is among the packages loaded', () => {
    expect(loaded.has('lru-cache')).toBe(true);
  });

  it.each(['ioredis', 'lz4-napi', 'xxhash-wasm', 'zod'])('does not load %s', (name) => {
    expect([...loaded]).not.toContain(name);
  });
});

describe('the lazily loaded dependencies, on first use', () => {
  it('zod loads when a configuration is first parsed, not for a memory cache that parses none', () => {
    const memory = packagesLoadedBy(`
      const { createCache, MemoryBackend } = await import(entry);
      const cache = createCache({ backend: new MemoryBackend() });
      await cache.set('k', 1);
      if ((await cache.get('k')) !== 1) process.exit(4);
      await cache.close();`);
    expect(memory.has('zod')).toBe(false);

    const ai = packagesLoadedBy(`
      const { AIResponseCache } = await import(entry);
      const ai = new AIResponseCache({ defaultTtl: '1m' });
      if (ai.config.defaultTtl !== '1m') process.exit(4);
      await ai.close();`);
    expect(ai.has('zod')).toBe(true);

    const validated = packagesLoadedBy(`
      const { CacheConfigBuilder } = await import(entry);
      if (!new CacheConfigBuilder().validate().isValid) process.exit(4);`);
    expect(validated.has('zod')).toBe(true);
  }, 120_000);

  it('a cache over a MemoryBackend loads xxhash-wasm on its first operation, lz4-napi on the first entry above the threshold', () => {
    const small = packagesLoadedBy(`
      const { createCache, MemoryBackend } = await import(entry);
      const cache = createCache({ backend: new MemoryBackend(), compression: { codec: 'lz4', threshold: 1024 } });
      await cache.set('small', 'x'.repeat(10));
      if ((await cache.get('small')) !== 'x'.repeat(10)) process.exit(4);
      await cache.close();`);
    expect(small.has('xxhash-wasm')).toBe(true);
    expect(small.has('lz4-napi')).toBe(false);

    // Written through one cache, read back from the backend (lz4-decoded) by a second one.
    const large = packagesLoadedBy(`
      const { createCache, MemoryBackend } = await import(entry);
      const backend = new MemoryBackend();
      const writer = createCache({ backend, compression: { codec: 'lz4', threshold: 1024 } });
      await writer.set('large', 'x'.repeat(4096));
      const reader = createCache({ backend, compression: { codec: 'lz4', threshold: 1024 } });
      if ((await reader.get('large')) !== 'x'.repeat(4096)) process.exit(4);
      if (reader.stats().l2.hits !== 1) process.exit(5);
      await writer.close();
      await reader.close();`);
    expect(large.has('lz4-napi')).toBe(true);
  }, 120_000);
});
