/**
 * `PERFORMANCE_OPS` (main entry): the operations a `PerformanceCallback` reports, each a key of
 * `report()` (zeros without samples), each fed by the matching cache operation.
 */
import { describe, expect, it } from 'vitest';
import { createCache, MemoryBackend, PERFORMANCE_OPS, PerformanceCallback } from '../../src/index.js';

describe('PERFORMANCE_OPS', () => {
  it('are exactly the keys of report(), each with zeros before any sample', () => {
    const report = new PerformanceCallback().report();
    expect(Object.keys(report)).toEqual([...PERFORMANCE_OPS]);
    for (const op of PERFORMANCE_OPS) {
      expect(report[op]).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0, slowCount: 0 });
    }
  });

  it('each is fed by its cache operation: hits, misses, writes and deletions', async () => {
    const perf = new PerformanceCallback();
    const cache = createCache({ prefix: 'perf-ops', backend: new MemoryBackend(), l1: false });
    cache.use(perf);
    await cache.get('k'); // get-miss
    await cache.set('k', 1); // set
    await cache.get('k'); // get-hit
    await cache.get('k'); // get-hit
    await cache.delete('k'); // delete
    const report = perf.report();
    const counts = Object.fromEntries(PERFORMANCE_OPS.map((op) => [op, report[op].count]));
    expect(counts).toEqual({ 'get-hit': 2, 'get-miss': 1, set: 1, delete: 1 });
    perf.reset();
    for (const op of PERFORMANCE_OPS) expect(perf.report()[op].count).toBe(0);
    await cache.close();
  });

  it('every slow operation reported to onSlow is one of them', async () => {
    const slow: string[] = [];
    const perf = new PerformanceCallback({ slowThresholdMs: 0, onSlow: (s) => slow.push(s.op) });
    perf.onGet({ key: 'a', tier: 'l1', value: 1, durationMs: 1 });
    perf.onMiss({ key: 'b', durationMs: 2 });
    perf.onSet({ key: 'c', value: 1, ttlMs: 1000, bytes: 1, tags: [], durationMs: 3 });
    perf.onDelete({ key: 'd', existed: false, durationMs: 4 });
    expect(slow).toEqual([...PERFORMANCE_OPS]);
  });

  it('cannot be changed (a frozen list)', () => {
    expect(Object.isFrozen(PERFORMANCE_OPS)).toBe(true);
  });
});
