import { afterAll, expect, it } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { BenchmarkPresets, CachePerformanceBenchmark } from '../../src/benchmark/index.js';
import { createCache } from '../../src/cache/cache.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';

describeRedis('CachePerformanceBenchmark over a real Redis', (url) => {
  const backend = new RedisBackend({ url });
  afterAll(() => backend.close());

  it('times every operation against L2 (L1 off), with hits and no errors, and leaves no keys behind', async () => {
    const prefix = uniqueCachePrefix('bench');
    const cache = createCache({ prefix, l1: false, backend });
    const bench = new CachePerformanceBenchmark(cache, {
      ...BenchmarkPresets.quick(),
      iterations: 60,
      warmup: 5,
      keySpace: 20,
      dataSizes: [2048],
      concurrencies: [4],
    });
    const suite = await bench.runComprehensive();
    expect(suite.results.map((r) => r.metadata.operation)).toEqual(['get', 'set', 'delete', 'getOrSet']);
    for (const r of suite.results) {
      expect(r.errorCount).toBe(0);
      expect(r.metadata.backend).toBe('redis');
      expect(r.p50Ms).toBeGreaterThan(0);
    }
    expect(suite.get('get 2048B c4')?.hitRate).toBe(1);
    expect(suite.get('delete 2048B c4')?.hitRate).toBe(1);
    expect(suite.get('getOrSet 2048B c4')?.hitRate).toBeCloseTo(1 - 20 / 60, 10);
    const left: string[] = [];
    for await (const key of backend.keys(`${prefix}:`)) left.push(key);
    expect(left).toEqual([]);
  });
});
