import { describe, expect, it } from 'vitest';
import {
  type BenchmarkResult,
  BenchmarkSuite,
  PerformanceRegressionDetector,
} from '../../src/benchmark/index.js';
import { ValidationError } from '../../src/errors.js';

function result(overrides: Partial<BenchmarkResult> = {}, operation = 'get'): BenchmarkResult {
  return {
    iterations: 1000,
    totalMs: 100,
    avgMs: 0.1,
    minMs: 0.05,
    maxMs: 1,
    p50Ms: 0.1,
    p95Ms: 0.2,
    p99Ms: 0.4,
    opsPerSec: 10_000,
    hitRate: 1,
    heapUsedMB: 100,
    heapPeakMB: 120,
    heapDeltaMB: 2,
    successRate: 1,
    errorCount: 0,
    timestamp: '2025-01-01T00:00:00.000Z',
    metadata: { operation, dataSize: 2048, concurrency: 1, warmup: 0, keySpace: 1000 },
    ...overrides,
  };
}

/** Every duration `factor` times longer, throughput `factor` times lower. */
function slower(base: BenchmarkResult, factor: number): BenchmarkResult {
  return {
    ...base,
    p50Ms: base.p50Ms * factor,
    p95Ms: base.p95Ms * factor,
    p99Ms: base.p99Ms * factor,
    avgMs: base.avgMs * factor,
    opsPerSec: base.opsPerSec / factor,
  };
}

describe('PerformanceRegressionDetector: timing', () => {
  const detector = new PerformanceRegressionDetector({ warningPct: 10, criticalPct: 25 });
  const base = result();

  it('flags an 11% slowdown as a warning on every timing metric', () => {
    const regressions = detector.detectTimingRegressions(base, slower(base, 1.11));
    expect(regressions.map((r) => r.metric).sort()).toEqual(['opsPerSec', 'p50Ms', 'p95Ms', 'p99Ms']);
    for (const r of regressions) {
      expect(r.severity).toBe('warning');
      expect(r.changePct).toBeCloseTo(11, 6);
    }
  });

  it('flags a 26% slowdown as critical', () => {
    const regressions = detector.detectTimingRegressions(base, slower(base, 1.26));
    expect(regressions).toHaveLength(4);
    for (const r of regressions) {
      expect(r.severity).toBe('critical');
      expect(r.changePct).toBeCloseTo(26, 6);
    }
  });

  it('ignores a 9% slowdown and any speed-up', () => {
    expect(detector.detectTimingRegressions(base, slower(base, 1.09))).toEqual([]);
    expect(detector.detectTimingRegressions(base, slower(base, 0.5))).toEqual([]);
  });

  it('treats the thresholds as inclusive', () => {
    expect(detector.classify(10)).toBe('warning');
    expect(detector.classify(9.99)).toBeUndefined();
    expect(detector.classify(25)).toBe('critical');
    // 1.1x is 10.000000000000009% in floating point: still exactly "10%".
    const r = detector.detectTimingRegressions(base, slower(base, 1.1));
    expect(r.every((x) => x.severity === 'warning')).toBe(true);
  });

  it('flags a throughput drop alone (p50 unchanged)', () => {
    const r = detector.detectTimingRegressions(base, { ...base, opsPerSec: base.opsPerSec / 1.26 });
    expect(r).toEqual([
      expect.objectContaining({ metric: 'opsPerSec', severity: 'critical', baseline: 10_000 }),
    ]);
  });

  it('matches the results of two suites by operation, size and concurrency', () => {
    const get = result();
    const set = result({}, 'set');
    const old = new BenchmarkSuite({ name: 'old', results: [get, set] });
    const next = new BenchmarkSuite({
      name: 'new',
      results: [slower(set, 1.11), slower(get, 1.26), result({}, 'delete')],
    });
    const regressions = detector.detectTimingRegressions(old, next);
    const kinds = new Set(regressions.map((r) => `${r.key}:${r.severity}`));
    expect([...kinds].sort()).toEqual(['get 2048B c1:critical', 'set 2048B c1:warning']);
  });

  it('watches only the configured metrics', () => {
    const p50Only = new PerformanceRegressionDetector({ timingMetrics: ['p50Ms'] });
    expect(p50Only.detectTimingRegressions(base, slower(base, 1.3)).map((r) => r.metric)).toEqual(['p50Ms']);
  });
});

describe('PerformanceRegressionDetector: memory', () => {
  const detector = new PerformanceRegressionDetector({ warningPct: 10, criticalPct: 25 });
  const base = result({ heapUsedMB: 100, heapPeakMB: 200 });

  it('flags 11% heap growth as a warning and 26% as critical', () => {
    const warn = detector.detectMemoryRegressions(base, { ...base, heapUsedMB: 111, heapPeakMB: 222 });
    expect(warn.map((r) => [r.metric, r.severity])).toEqual([
      ['heapUsedMB', 'warning'],
      ['heapPeakMB', 'warning'],
    ]);
    const crit = detector.detectMemoryRegressions(base, { ...base, heapUsedMB: 126, heapPeakMB: 252 });
    expect(crit.map((r) => r.severity)).toEqual(['critical', 'critical']);
  });

  it('ignores shrinking heaps and changes below minMemoryDeltaMB', () => {
    expect(detector.detectMemoryRegressions(base, { ...base, heapUsedMB: 50 })).toEqual([]);
    const tolerant = new PerformanceRegressionDetector({ minMemoryDeltaMB: 50 });
    expect(tolerant.detectMemoryRegressions(base, { ...base, heapUsedMB: 140, heapPeakMB: 240 })).toEqual([]);
  });
});

describe('PerformanceRegressionDetector: options', () => {
  it('rejects negative thresholds and critical below warning', () => {
    expect(() => new PerformanceRegressionDetector({ warningPct: -1 })).toThrow(ValidationError);
    expect(() => new PerformanceRegressionDetector({ warningPct: 30, criticalPct: 20 })).toThrow(
      ValidationError,
    );
  });
});
