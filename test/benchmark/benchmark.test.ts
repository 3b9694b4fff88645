import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import {
  BENCHMARK_OPERATIONS,
  BenchmarkPresets,
  CachePerformanceBenchmark,
  defaultBenchmarkValue,
} from '../../src/benchmark/index.js';
import { createCache } from '../../src/cache/cache.js';
import { ValidationError } from '../../src/errors.js';

describe('CachePerformanceBenchmark', () => {
  it('times get with a full hit rate and reports every field', async () => {
    const cache = createCache({ backend: new MemoryBackend() });
    const bench = new CachePerformanceBenchmark(cache, { warmup: 10, keySpace: 50 });
    const r = await bench.runSingle('get', { iterations: 200, dataSize: 2048, concurrency: 4 });
    expect(r.iterations).toBe(200);
    expect(r.hitRate).toBe(1);
    expect(r.successRate).toBe(1);
    expect(r.errorCount).toBe(0);
    expect(r.minMs).toBeLessThanOrEqual(r.p50Ms);
    expect(r.p50Ms).toBeLessThanOrEqual(r.p95Ms);
    expect(r.p95Ms).toBeLessThanOrEqual(r.p99Ms);
    expect(r.p99Ms).toBeLessThanOrEqual(r.maxMs);
    expect(r.opsPerSec).toBeGreaterThan(0);
    expect(r.heapPeakMB).toBeGreaterThan(0);
    expect(r.heapPeakMB).toBeGreaterThanOrEqual(r.heapUsedMB);
    expect(Number.isNaN(Date.parse(r.timestamp))).toBe(false);
    expect(r.metadata).toMatchObject({
      operation: 'get',
      dataSize: 2048,
      concurrency: 4,
      warmup: 10,
      keySpace: 50,
      backend: 'memory',
    });
    // Its keys are gone afterwards.
    expect(cache.stats().l1.entries).toBe(0);
  });

  it('reports hit rates of delete and getOrSet', async () => {
    const cache = createCache();
    const bench = new CachePerformanceBenchmark(cache, { warmup: 0, keySpace: 25 });
    const del = await bench.runSingle('delete', { iterations: 100, dataSize: 256 });
    expect(del.hitRate).toBe(1);
    expect(del.metadata.keySpace).toBe(100);
    // 25 keys, 100 calls: the producer runs once per key.
    const gos = await bench.runSingle('getOrSet', { iterations: 100, dataSize: 256 });
    expect(gos.hitRate).toBe(0.75);
    const set = await bench.runSingle('set', { iterations: 50, dataSize: 256 });
    expect(set.hitRate).toBe(1);
  });

  it('uses the injected clock', async () => {
    let t = 0;
    const cache = createCache();
    const bench = new CachePerformanceBenchmark(cache, {
      warmup: 0,
      heap: false,
      clock: () => (t += 0.5),
    });
    const r = await bench.runSingle('set', { iterations: 10, dataSize: 64 });
    // Every clock read advances 0.5 ms: each call spans exactly one read.
    expect(r.p50Ms).toBe(0.5);
    expect(r.p99Ms).toBe(0.5);
    expect(r.heapPeakMB).toBe(0);
  });

  it('runs every operation, size and concurrency of its config', async () => {
    const cache = createCache();
    const bench = new CachePerformanceBenchmark(cache, {
      ...BenchmarkPresets.quick(),
      name: 'tiny',
      iterations: 20,
      warmup: 2,
      dataSizes: [128, 512],
      concurrencies: [1, 3],
    });
    const suite = await bench.runComprehensive();
    expect(suite.name).toBe('tiny');
    expect(suite.results).toHaveLength(BENCHMARK_OPERATIONS.length * 2 * 2);
    expect(suite.environment?.cpus).toBeGreaterThan(0);
    expect(suite.summary().totalErrors).toBe(0);
    expect(suite.toMarkdown()).toContain('| getOrSet | 512 B | 3 | 20 |');
  });

  it('rejects invalid configs and calls', async () => {
    expect(() => new CachePerformanceBenchmark(createCache(), { iterations: 0 })).toThrow(ValidationError);
    const bench = new CachePerformanceBenchmark(createCache());
    await expect(bench.runSingle('get', { iterations: 10, dataSize: 0 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(bench.runSingle('scan' as 'get', { iterations: 10, dataSize: 10 })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe('BenchmarkPresets', () => {
  it('grow from quick to comprehensive and are fresh objects', () => {
    const q = BenchmarkPresets.quick();
    const s = BenchmarkPresets.standard();
    const c = BenchmarkPresets.comprehensive();
    expect(q.iterations).toBeLessThan(s.iterations as number);
    expect(s.iterations).toBeLessThan(c.iterations as number);
    expect(BenchmarkPresets.quick()).not.toBe(q);
  });
});

describe('defaultBenchmarkValue', () => {
  it('is deterministic, about the requested size, and varied', () => {
    const a = defaultBenchmarkValue(3, 2048);
    expect(defaultBenchmarkValue(3, 2048)).toEqual(a);
    expect(JSON.stringify(a).length).toBe(2048);
    expect(defaultBenchmarkValue(4, 2048).body).not.toBe(a.body);
    expect(new Set(a.body.split(' ')).size).toBeGreaterThan(50);
  });
});
