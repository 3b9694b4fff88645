import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SetContext } from '../../src/cache/events.js';
import { ValidationError } from '../../src/errors.js';
import { nearestRank, PerformanceCallback, type SlowOperation } from '../../src/observability/index.js';

const setContext = (durationMs: number): SetContext => ({
  key: 'k',
  value: 1,
  ttlMs: 1000,
  bytes: 10,
  tags: [],
  durationMs,
});

describe('nearestRank', () => {
  it('follows the nearest-rank definition', () => {
    const sorted = [15, 20, 35, 40, 50];
    expect(nearestRank(sorted, 5)).toBe(15);
    expect(nearestRank(sorted, 30)).toBe(20);
    expect(nearestRank(sorted, 40)).toBe(20);
    expect(nearestRank(sorted, 50)).toBe(35);
    expect(nearestRank(sorted, 100)).toBe(50);
    expect(nearestRank([], 50)).toBe(0);
  });

  it('returns a sample such that at least p% of samples are <= it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 100 }),
        (values, p) => {
          const sorted = [...values].sort((a, b) => a - b);
          const value = nearestRank(sorted, p);
          expect(sorted).toContain(value);
          expect(sorted.filter((v) => v <= value).length / sorted.length).toBeGreaterThanOrEqual(p / 100);
          expect(sorted.filter((v) => v < value).length / sorted.length).toBeLessThan(p / 100);
        },
      ),
    );
  });
});

describe('PerformanceCallback', () => {
  it('reports percentiles per operation', () => {
    const perf = new PerformanceCallback();
    for (let i = 1; i <= 100; i++) perf.onGet({ key: 'k', tier: 'l1', value: 1, durationMs: i });
    for (const ms of [3, 1, 2]) perf.onMiss({ key: 'k', durationMs: ms });
    perf.onSet(setContext(7));
    const report = perf.report();
    expect(report['get-hit']).toEqual({
      count: 100,
      p50: 50,
      p95: 95,
      p99: 99,
      max: 100,
      mean: 50.5,
      slowCount: 0,
    });
    expect(report['get-miss']).toMatchObject({ count: 3, p50: 2, p95: 3, p99: 3, max: 3, mean: 2 });
    expect(report.set).toMatchObject({ count: 1, p50: 7, p99: 7 });
    expect(report.delete).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0, slowCount: 0 });
  });

  it('detects slow operations (strictly above the threshold)', () => {
    const slow: SlowOperation[] = [];
    const perf = new PerformanceCallback({ slowThresholdMs: 10, onSlow: (info) => slow.push(info) });
    perf.onDelete({ key: 'a', existed: true, durationMs: 10 });
    perf.onDelete({ key: 'b', existed: true, durationMs: 10.5 });
    perf.onSet(setContext(50));
    expect(slow).toEqual([
      { op: 'delete', key: 'b', durationMs: 10.5, thresholdMs: 10 },
      { op: 'set', key: 'k', durationMs: 50, thresholdMs: 10 },
    ]);
    expect(perf.report().delete.slowCount).toBe(1);
    expect(perf.report().set.slowCount).toBe(1);
  });

  it('keeps only the last windowSize samples', () => {
    const perf = new PerformanceCallback({ windowSize: 3 });
    for (const ms of [100, 200, 1, 2, 3]) perf.onMiss({ key: 'k', durationMs: ms });
    expect(perf.report()['get-miss']).toMatchObject({ count: 3, max: 3, mean: 2, p50: 2 });
  });

  it('resets', () => {
    const perf = new PerformanceCallback();
    perf.onMiss({ key: 'k', durationMs: 5 });
    perf.reset();
    expect(perf.report()['get-miss'].count).toBe(0);
    perf.onMiss({ key: 'k', durationMs: 6 });
    expect(perf.report()['get-miss']).toMatchObject({ count: 1, max: 6 });
  });

  it('ignores nonsensical durations', () => {
    const perf = new PerformanceCallback();
    perf.onMiss({ key: 'k', durationMs: Number.NaN });
    perf.onMiss({ key: 'k', durationMs: -1 });
    expect(perf.report()['get-miss'].count).toBe(0);
  });

  it('does not replace hit values', () => {
    expect(
      new PerformanceCallback().onGet({ key: 'k', tier: 'l1', value: 1, durationMs: 1 }),
    ).toBeUndefined();
  });

  it('validates its options, all at once', () => {
    try {
      new PerformanceCallback({ slowThresholdMs: -1, windowSize: 0 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['slowThresholdMs', 'windowSize']);
    }
  });
});
