import { describe, expect, it } from 'vitest';
import {
  type BenchmarkResult,
  BenchmarkSuite,
  comparisonToMarkdown,
  resultKey,
} from '../../src/benchmark/index.js';
import { ValidationError } from '../../src/errors.js';

function result(operation: string, p50Ms: number, opsPerSec: number, extra: Partial<BenchmarkResult> = {}) {
  const r: BenchmarkResult = {
    iterations: 1000,
    totalMs: 1000,
    avgMs: p50Ms,
    minMs: p50Ms / 2,
    maxMs: p50Ms * 10,
    p50Ms,
    p95Ms: p50Ms * 2,
    p99Ms: p50Ms * 4,
    opsPerSec,
    hitRate: 1,
    heapUsedMB: 50,
    heapPeakMB: 60,
    heapDeltaMB: 1,
    successRate: 1,
    errorCount: 0,
    timestamp: '2025-01-01T00:00:00.000Z',
    metadata: { operation, dataSize: 1024, concurrency: 1, warmup: 10, keySpace: 100 },
    ...extra,
  };
  return r;
}

const environment = {
  node: 'v20.0.0',
  platform: 'linux',
  arch: 'x64',
  cpuModel: 'Test CPU',
  cpus: 2,
  totalMemoryMB: 4096,
};

describe('BenchmarkSuite', () => {
  const suite = new BenchmarkSuite({
    name: 'memory',
    environment,
    createdAt: '2025-01-01T00:00:00.000Z',
    results: [
      result('get', 0.002, 400_000),
      result('set', 0.01, 80_000, { errorCount: 10, iterations: 1000, hitRate: 1 }),
      result('delete', 0.004, 200_000, { hitRate: 0.5, heapPeakMB: 75 }),
    ],
  });

  it('summarizes totals, fastest and slowest', () => {
    expect(suite.summary()).toEqual({
      name: 'memory',
      runs: 3,
      totalIterations: 3000,
      totalErrors: 10,
      successRate: 2990 / 3000,
      meanHitRate: 2.5 / 3,
      fastest: { key: 'get 1024B c1', opsPerSec: 400_000 },
      slowest: { key: 'set 1024B c1', opsPerSec: 80_000 },
      heapPeakMB: 75,
    });
  });

  it('compares with a baseline result by result', () => {
    const baseline = new BenchmarkSuite({
      name: 'before',
      results: [result('get', 0.001, 800_000), result('set', 0.01, 80_000), result('getOrSet', 1, 1000)],
    });
    const diff = suite.compareWith(baseline);
    expect(diff.baseline).toBe('before');
    expect(diff.current).toBe('memory');
    expect(diff.onlyInBaseline).toEqual(['getOrSet 1024B c1']);
    expect(diff.onlyInCurrent).toEqual(['delete 1024B c1']);
    expect(diff.rows.map((r) => [r.key, r.verdict])).toEqual([
      ['get 1024B c1', 'slower'],
      ['set 1024B c1', 'unchanged'],
    ]);
    const get = diff.rows[0];
    expect(get?.p50Ratio).toBe(2);
    expect(get?.opsRatio).toBe(0.5);
    expect(get?.changePct).toBe(100);
    expect(comparisonToMarkdown(diff)).toContain(
      '| get 1024B c1 | 1.00 µs | 2.00 µs | 2.00x | 0.50x | slower |',
    );
    // The other way round, the same change is an improvement.
    expect(baseline.compareWith(suite).rows[0]?.verdict).toBe('faster');
  });

  it('renders markdown with the machine and one row per result', () => {
    const md = suite.toMarkdown();
    expect(md).toContain('### memory');
    expect(md).toContain('Test CPU (2 cores), 4 GiB, linux x64, Node v20.0.0');
    expect(md).toContain('| Operation | Size | Concurrency | Iterations | p50 | p95 | p99 | ops/s |');
    expect(md).toContain(
      '| get | 1.0 KB | 1 | 1000 | 2.00 µs | 4.00 µs | 8.00 µs | 400,000 | 100% | 100% | 60.0 MB |',
    );
    expect(md).toContain('| delete | 1.0 KB | 1 | 1000 | 4.00 µs |');
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).toBe(1 + 1 + 3);
  });

  it('round-trips through JSON', () => {
    const json = JSON.parse(JSON.stringify(suite));
    expect(json.format).toBe('ai-response-cache/bench-suite@1');
    expect(json.results).toHaveLength(3);
    const back = BenchmarkSuite.fromJSON(json);
    expect(back.toJSON()).toEqual(suite.toJSON());
    expect(back.get('delete 1024B c1')?.hitRate).toBe(0.5);
    expect(resultKey(back.results[0] as BenchmarkResult)).toBe('get 1024B c1');
  });

  it('refuses JSON that is not a suite', () => {
    expect(() => BenchmarkSuite.fromJSON({ name: 'x' })).toThrow(ValidationError);
    expect(() => BenchmarkSuite.fromJSON(null)).toThrow(ValidationError);
  });
});
