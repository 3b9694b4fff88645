/**
 * `PerformanceRegressionDetector`: flags timing and memory regressions between two benchmark
 * runs taken on the same machine.
 *
 * @module
 */
import { ValidationError, type ValidationIssue } from '../index.js';
import { BenchmarkSuite, resultKey } from './suite.js';
import type { BenchmarkResult } from './types.js';

/** Timing metrics of a {@link BenchmarkResult} the detector can watch. */
export type TimingMetric = 'p50Ms' | 'p95Ms' | 'p99Ms' | 'avgMs' | 'opsPerSec';

/** Memory metrics of a {@link BenchmarkResult} the detector can watch. */
export type MemoryMetric = 'heapUsedMB' | 'heapPeakMB' | 'heapDeltaMB';

/** How bad a regression is. */
export type RegressionSeverity = 'warning' | 'critical';

/** Options of {@link PerformanceRegressionDetector}. */
export interface RegressionDetectorOptions {
  /** A slowdown (or memory growth) of at least this many percent is a warning. @default 10 */
  warningPct?: number;
  /** A slowdown (or memory growth) of at least this many percent is critical. @default 25 */
  criticalPct?: number;
  /** Timing metrics compared by {@link PerformanceRegressionDetector.detectTimingRegressions}. @default ['p50Ms', 'p95Ms', 'p99Ms', 'opsPerSec'] */
  timingMetrics?: readonly TimingMetric[];
  /** Memory metrics compared by {@link PerformanceRegressionDetector.detectMemoryRegressions}. @default ['heapUsedMB', 'heapPeakMB'] */
  memoryMetrics?: readonly MemoryMetric[];
  /**
   * Memory changes smaller than this many MiB are ignored, whatever their percentage (tiny
   * heaps move by large percentages for no reason).
   * @default 0
   */
  minMemoryDeltaMB?: number;
}

/** One metric of one result that got worse. */
export interface Regression {
  /** The result ({@link resultKey}); `''` when two single results were compared. */
  key: string;
  metric: TimingMetric | MemoryMetric;
  /** Value in the old run. */
  baseline: number;
  /** Value in the new run. */
  current: number;
  /**
   * How much worse, in percent. For durations and memory: `(current / baseline - 1) * 100`.
   * For `opsPerSec`, the equivalent slowdown of a call: `(baseline / current - 1) * 100`, so a
   * call that takes 11% longer is an 11% regression whichever metric shows it.
   */
  changePct: number;
  severity: RegressionSeverity;
}

/** Either one result, or a suite (or list) of results matched by {@link resultKey}. */
export type BenchmarkInput = BenchmarkResult | BenchmarkSuite | readonly BenchmarkResult[];

const TIMING_METRICS: readonly TimingMetric[] = ['p50Ms', 'p95Ms', 'p99Ms', 'opsPerSec'];
const MEMORY_METRICS: readonly MemoryMetric[] = ['heapUsedMB', 'heapPeakMB'];

function pairs(old: BenchmarkInput, next: BenchmarkInput): [string, BenchmarkResult, BenchmarkResult][] {
  const single = (x: BenchmarkInput): x is BenchmarkResult =>
    !(x instanceof BenchmarkSuite) && !Array.isArray(x);
  if (single(old) && single(next)) return [['', old, next]];
  const list = (x: BenchmarkInput): readonly BenchmarkResult[] =>
    x instanceof BenchmarkSuite ? x.results : single(x) ? [x] : x;
  const before = new Map(list(old).map((r) => [resultKey(r), r] as const));
  const out: [string, BenchmarkResult, BenchmarkResult][] = [];
  for (const r of list(next)) {
    const key = resultKey(r);
    const b = before.get(key);
    if (b) out.push([key, b, r]);
  }
  return out;
}

/**
 * Flags regressions between an old and a new benchmark run: a metric that got worse by at
 * least `warningPct` percent is a warning, by at least `criticalPct` percent critical.
 * Improvements are never reported.
 *
 * @example
 * const detector = new PerformanceRegressionDetector({ warningPct: 10, criticalPct: 25 });
 * const regressions = detector.detectTimingRegressions(baselineSuite, currentSuite);
 * if (regressions.some((r) => r.severity === 'critical')) process.exitCode = 1;
 */
export class PerformanceRegressionDetector {
  readonly #warningPct: number;
  readonly #criticalPct: number;
  readonly #timingMetrics: readonly TimingMetric[];
  readonly #memoryMetrics: readonly MemoryMetric[];
  readonly #minMemoryDeltaMB: number;

  /** @throws {ValidationError} for negative thresholds or `criticalPct < warningPct`. */
  constructor(options: RegressionDetectorOptions = {}) {
    const warningPct = options.warningPct ?? 10;
    const criticalPct = options.criticalPct ?? 25;
    const minMemoryDeltaMB = options.minMemoryDeltaMB ?? 0;
    const issues: ValidationIssue[] = [];
    for (const [path, v] of [
      ['warningPct', warningPct],
      ['criticalPct', criticalPct],
      ['minMemoryDeltaMB', minMemoryDeltaMB],
    ] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        issues.push({ path, message: `must be a finite number >= 0 (got ${String(v)})` });
      }
    }
    if (issues.length === 0 && criticalPct < warningPct) {
      issues.push({ path: 'criticalPct', message: `must be >= warningPct (${warningPct})` });
    }
    if (issues.length) throw new ValidationError('Invalid regression detector options', issues);
    this.#warningPct = warningPct;
    this.#criticalPct = criticalPct;
    this.#timingMetrics = options.timingMetrics ?? TIMING_METRICS;
    this.#memoryMetrics = options.memoryMetrics ?? MEMORY_METRICS;
    this.#minMemoryDeltaMB = minMemoryDeltaMB;
  }

  /** The severity of a change of `changePct` percent, or `undefined` when it is below the warning threshold. */
  classify(changePct: number): RegressionSeverity | undefined {
    if (!(changePct >= this.#warningPct)) return undefined;
    return changePct >= this.#criticalPct ? 'critical' : 'warning';
  }

  /** Durations that grew and throughputs that fell, between `old` and `next`. */
  detectTimingRegressions(old: BenchmarkInput, next: BenchmarkInput): Regression[] {
    const out: Regression[] = [];
    for (const [key, b, c] of pairs(old, next)) {
      for (const metric of this.#timingMetrics) {
        const baseline = b[metric];
        const current = c[metric];
        if (!(baseline > 0) || !(current > 0)) continue;
        const changePct =
          metric === 'opsPerSec' ? (baseline / current - 1) * 100 : (current / baseline - 1) * 100;
        const severity = this.classify(roundPct(changePct));
        if (severity) out.push({ key, metric, baseline, current, changePct, severity });
      }
    }
    return out;
  }

  /** Heap figures that grew between `old` and `next`. */
  detectMemoryRegressions(old: BenchmarkInput, next: BenchmarkInput): Regression[] {
    const out: Regression[] = [];
    for (const [key, b, c] of pairs(old, next)) {
      for (const metric of this.#memoryMetrics) {
        const baseline = b[metric];
        const current = c[metric];
        if (!(baseline > 0) || !Number.isFinite(current)) continue;
        if (current - baseline < this.#minMemoryDeltaMB) continue;
        const changePct = (current / baseline - 1) * 100;
        const severity = this.classify(roundPct(changePct));
        if (severity) out.push({ key, metric, baseline, current, changePct, severity });
      }
    }
    return out;
  }
}

/** Rounds away floating-point noise (1.1 / 1 - 1 is 0.10000000000000009). */
function roundPct(pct: number): number {
  return Math.round(pct * 1e9) / 1e9;
}
