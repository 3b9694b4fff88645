/**
 * Latency tracking callback: per-operation percentiles over a bounded window, and slow
 * operation detection.
 *
 * @module
 */
import type { CacheCallbacks, GetContext, SetContext } from '../cache/events.js';
import { ValidationError, type ValidationIssue } from '../errors.js';

/** Operations a {@link PerformanceCallback} measures. */
export type PerformanceOp = 'get-hit' | 'get-miss' | 'set' | 'delete';

/** Every {@link PerformanceOp}. */
export const PERFORMANCE_OPS: readonly PerformanceOp[] = Object.freeze([
  'get-hit',
  'get-miss',
  'set',
  'delete',
]);

/** A slow operation, handed to `onSlow`. */
export interface SlowOperation {
  /** The operation. */
  op: PerformanceOp;
  /** Its key. */
  key: string;
  /** How long it took, in milliseconds. */
  durationMs: number;
  /** The configured threshold. */
  thresholdMs: number;
}

/** Latency statistics of one operation over the current window (all in milliseconds). */
export interface OperationStats {
  /** Samples in the window (at most `windowSize`). */
  count: number;
  /** Median (nearest rank). */
  p50: number;
  /** 95th percentile (nearest rank). */
  p95: number;
  /** 99th percentile (nearest rank). */
  p99: number;
  /** Slowest sample. */
  max: number;
  /** Arithmetic mean. */
  mean: number;
  /** Samples slower than `slowThresholdMs`. */
  slowCount: number;
}

/** Per-operation statistics; operations without samples report zeros. */
export type PerformanceReport = Record<PerformanceOp, OperationStats>;

/** Options of {@link PerformanceCallback}. */
export interface PerformanceCallbackOptions {
  /**
   * Operations taking longer than this many milliseconds are slow.
   * @default 100
   */
  slowThresholdMs?: number;
  /** Called for every slow operation. */
  onSlow?: (info: SlowOperation) => void;
  /**
   * Number of most recent samples kept per operation.
   * @default 10000
   */
  windowSize?: number;
}

/** Fixed-capacity ring buffer of durations. */
class Ring {
  readonly #values: Float64Array;
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#values = new Float64Array(capacity);
  }

  push(value: number): void {
    this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.#values.length;
    if (this.#size < this.#values.length) this.#size++;
  }

  snapshot(): Float64Array {
    return this.#values.slice(0, this.#size);
  }

  clear(): void {
    this.#next = 0;
    this.#size = 0;
  }
}

/**
 * Nearest-rank percentile of ascending `sorted` values: the smallest value such that at least
 * `p` percent of the values are less than or equal to it. `0` for no values.
 */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/**
 * Records the duration of every hit, miss, write and deletion in a bounded ring buffer per
 * operation and reports nearest-rank percentiles; operations slower than `slowThresholdMs`
 * are counted and reported to `onSlow`.
 *
 * @example
 * const perf = new PerformanceCallback({ slowThresholdMs: 50, onSlow: (s) => logger.warn(s) });
 * cache.use(perf);
 * perf.report()['get-hit'].p99;
 */
export class PerformanceCallback implements CacheCallbacks {
  readonly #slowThresholdMs: number;
  readonly #onSlow: ((info: SlowOperation) => void) | undefined;
  readonly #rings: Record<PerformanceOp, Ring>;

  constructor(options: PerformanceCallbackOptions = {}) {
    const slowThresholdMs = options.slowThresholdMs ?? 100;
    const windowSize = options.windowSize ?? 10_000;
    const issues: ValidationIssue[] = [];
    if (!Number.isFinite(slowThresholdMs) || slowThresholdMs < 0) {
      issues.push({ path: 'slowThresholdMs', message: 'expected a number >= 0' });
    }
    if (!Number.isInteger(windowSize) || windowSize < 1) {
      issues.push({ path: 'windowSize', message: 'expected an integer >= 1' });
    }
    if (options.onSlow !== undefined && typeof options.onSlow !== 'function') {
      issues.push({ path: 'onSlow', message: 'expected a function' });
    }
    if (issues.length > 0) throw new ValidationError('Invalid PerformanceCallback options', issues);
    this.#slowThresholdMs = slowThresholdMs;
    this.#onSlow = options.onSlow;
    this.#rings = {
      'get-hit': new Ring(windowSize),
      'get-miss': new Ring(windowSize),
      set: new Ring(windowSize),
      delete: new Ring(windowSize),
    };
  }

  /** Records a hit. Never replaces the value. */
  onGet(context: GetContext): undefined {
    this.#record('get-hit', context.key, context.durationMs);
    return undefined;
  }

  /** Records a miss. */
  onMiss(context: { key: string; durationMs: number }): void {
    this.#record('get-miss', context.key, context.durationMs);
  }

  /** Records a write. */
  onSet(context: SetContext): void {
    this.#record('set', context.key, context.durationMs);
  }

  /** Records a deletion. */
  onDelete(context: { key: string; existed: boolean; durationMs: number }): void {
    this.#record('delete', context.key, context.durationMs);
  }

  /** Statistics per operation over the current window. */
  report(): PerformanceReport {
    const report = {} as PerformanceReport;
    for (const op of PERFORMANCE_OPS) report[op] = this.#stats(this.#rings[op].snapshot());
    return report;
  }

  /** Forgets every sample. */
  reset(): void {
    for (const op of PERFORMANCE_OPS) this.#rings[op].clear();
  }

  #record(op: PerformanceOp, key: string, durationMs: number): void {
    if (!Number.isFinite(durationMs) || durationMs < 0) return;
    this.#rings[op].push(durationMs);
    if (durationMs > this.#slowThresholdMs && this.#onSlow) {
      this.#onSlow({ op, key, durationMs, thresholdMs: this.#slowThresholdMs });
    }
  }

  #stats(samples: Float64Array): OperationStats {
    const count = samples.length;
    if (count === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0, slowCount: 0 };
    samples.sort();
    let sum = 0;
    let slowCount = 0;
    for (const value of samples) {
      sum += value;
      if (value > this.#slowThresholdMs) slowCount++;
    }
    return {
      count,
      p50: nearestRank(samples, 50),
      p95: nearestRank(samples, 95),
      p99: nearestRank(samples, 99),
      max: samples[count - 1] ?? 0,
      mean: sum / count,
      slowCount,
    };
  }
}
