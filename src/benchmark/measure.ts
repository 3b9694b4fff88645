/**
 * The timing core shared by the benchmark API and `npm run bench`: run a function many times
 * (optionally with several calls in flight), time every call or every batch of calls, and
 * return the sorted samples. Percentiles are taken by nearest rank.
 *
 * The clock and the heap probe are injectable, so tests can feed synthetic timings.
 *
 * @module
 */
import { ValidationError, type ValidationIssue } from '../index.js';
import { nearestRank } from '../observability/performance.js';

/** A monotonic clock in milliseconds (like `performance.now`). */
export type Clock = () => number;

/** Returns the number of bytes of heap in use (like `process.memoryUsage().heapUsed`). */
export type HeapProbe = () => number;

/** Options of {@link measure} and {@link measureSync}. */
export interface MeasureOptions {
  /** Number of timed calls. Rounded up to a whole number of batches. */
  iterations: number;
  /**
   * Calls kept in flight at once ({@link measure} only). With more than one, each sample still
   * times one call (or one batch) from its start to its end, and {@link Measurement.opsPerSec}
   * is computed on the wall time of the whole run.
   * @default 1
   */
  concurrency?: number;
  /** Untimed calls made before the timed ones (JIT warm-up, connection setup). @default 0 */
  warmup?: number;
  /**
   * Calls per sample. With `1` every call is timed on its own; with more, a sample is the
   * mean duration of a batch of consecutive calls, which is how sub-microsecond operations
   * must be timed (the clock itself costs tens of nanoseconds).
   * @default 1
   */
  batch?: number;
  /** Clock in milliseconds. @default performance.now */
  clock?: Clock;
  /**
   * Samples the heap before, during (every {@link MeasureOptions.heapEvery} calls, outside the
   * timed sections) and after the run. Omit it to skip heap tracking.
   * @default undefined
   */
  heap?: HeapProbe;
  /** Calls between two heap samples. @default 1000 */
  heapEvery?: number;
}

/** What {@link measure} and {@link measureSync} return. */
export interface Measurement {
  /** Durations in milliseconds per call (per-call mean of each batch), sorted ascending. */
  samples: Float64Array;
  /** Number of timed calls (`samples.length * batch`). */
  iterations: number;
  /** Calls per sample. */
  batch: number;
  /** Calls in flight at once. */
  concurrency: number;
  /** Wall time of the timed part, in milliseconds (heap sampling excluded). */
  wallMs: number;
  /** Timed calls per second of wall time. */
  opsPerSec: number;
  /** Timed calls that threw or rejected. */
  errors: number;
  /** The first error seen, if any. */
  firstError: unknown;
  /** Heap before the timed part (bytes), when a heap probe was given. */
  heapStartBytes: number | undefined;
  /** Heap after the timed part (bytes), when a heap probe was given. */
  heapEndBytes: number | undefined;
  /** Largest heap sample (bytes), when a heap probe was given. */
  heapPeakBytes: number | undefined;
}

/** Order statistics of a set of samples (milliseconds). */
export interface SampleStats {
  /** Number of samples. */
  count: number;
  /** Sum of the samples. */
  total: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
}

const defaultClock: Clock = () => performance.now();

/**
 * The `p`-th percentile (0-100) of ascending `sorted` samples by nearest rank: the smallest
 * sample such that at least `p`% of the samples are less than or equal to it. `0` when empty.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  return nearestRank(sorted, p);
}

/** The median of `values` (mean of the two middle values for an even count); `NaN` when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Count, total, mean, min, max and nearest-rank p50/p95/p99 of ascending `sorted` samples. */
export function summarize(sorted: ArrayLike<number>): SampleStats {
  const count = sorted.length;
  let total = 0;
  for (let i = 0; i < count; i++) total += sorted[i] as number;
  return {
    count,
    total,
    mean: count === 0 ? 0 : total / count,
    min: count === 0 ? 0 : (sorted[0] as number),
    max: count === 0 ? 0 : (sorted[count - 1] as number),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

interface Resolved {
  samples: number;
  batch: number;
  concurrency: number;
  warmup: number;
  clock: Clock;
  heap: HeapProbe | undefined;
  heapEvery: number;
}

function resolve(options: MeasureOptions): Resolved {
  const issues: ValidationIssue[] = [];
  const check = (path: string, value: unknown, min: number) => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)) {
      issues.push({ path, message: `must be an integer >= ${min} (got ${String(value)})` });
    }
  };
  check('iterations', options.iterations, 1);
  check('concurrency', options.concurrency, 1);
  check('warmup', options.warmup, 0);
  check('batch', options.batch, 1);
  check('heapEvery', options.heapEvery, 1);
  if (issues.length) throw new ValidationError('Invalid measure() options', issues);
  const batch = options.batch ?? 1;
  return {
    samples: Math.ceil(options.iterations / batch),
    batch,
    concurrency: options.concurrency ?? 1,
    warmup: options.warmup ?? 0,
    clock: options.clock ?? defaultClock,
    heap: options.heap,
    heapEvery: options.heapEvery ?? 1000,
  };
}

class HeapTracker {
  start: number | undefined;
  peak: number | undefined;
  #sinceLast = 0;
  readonly #probe: HeapProbe | undefined;
  readonly #every: number;

  constructor(probe: HeapProbe | undefined, every: number) {
    this.#probe = probe;
    this.#every = every;
  }

  get enabled(): boolean {
    return this.#probe !== undefined;
  }

  sample(): number | undefined {
    if (!this.#probe) return undefined;
    const bytes = this.#probe();
    if (this.peak === undefined || bytes > this.peak) this.peak = bytes;
    return bytes;
  }

  /** Counts `calls` and samples when `heapEvery` calls have passed. */
  tick(calls: number): void {
    if (!this.#probe) return;
    this.#sinceLast += calls;
    if (this.#sinceLast >= this.#every) {
      this.#sinceLast = 0;
      this.sample();
    }
  }
}

function finish(
  r: Resolved,
  samples: Float64Array,
  wallMs: number,
  errors: number,
  firstError: unknown,
  heap: HeapTracker,
): Measurement {
  samples.sort();
  const heapEndBytes = heap.sample();
  const iterations = samples.length * r.batch;
  return {
    samples,
    iterations,
    batch: r.batch,
    concurrency: r.concurrency,
    wallMs,
    opsPerSec: wallMs > 0 ? (iterations * 1000) / wallMs : Number.POSITIVE_INFINITY,
    errors,
    firstError,
    heapStartBytes: heap.start,
    heapEndBytes,
    heapPeakBytes: heap.peak,
  };
}

/**
 * Times `fn`, awaiting every call. `fn` receives the index of the call (`0 .. iterations - 1`
 * for timed calls, `0 .. warmup - 1` for warm-up calls). Errors are counted, never thrown.
 *
 * @example
 * const m = await measure((i) => cache.get(keys[i % keys.length]), { iterations: 10_000, warmup: 1000 });
 * percentile(m.samples, 99); // ms
 *
 * @throws {ValidationError} for invalid options.
 */
export async function measure(fn: (index: number) => unknown, options: MeasureOptions): Promise<Measurement> {
  const r = resolve(options);
  const { clock, batch } = r;
  for (let i = 0; i < r.warmup; i++) {
    try {
      await fn(i);
    } catch {
      // Warm-up errors are not counted.
    }
  }
  const samples = new Float64Array(r.samples);
  const heap = new HeapTracker(r.heap, r.heapEvery);
  heap.start = heap.sample();
  let next = 0;
  let heapMs = 0;
  let errors = 0;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (next < r.samples) {
      const s = next++;
      const base = s * batch;
      const t0 = clock();
      for (let j = 0; j < batch; j++) {
        try {
          await fn(base + j);
        } catch (error) {
          if (errors++ === 0) firstError = error;
        }
      }
      const t1 = clock();
      samples[s] = (t1 - t0) / batch;
      if (heap.enabled) {
        heap.tick(batch);
        heapMs += clock() - t1;
      }
    }
  };
  const started = clock();
  if (r.concurrency === 1) {
    await worker();
  } else {
    await Promise.all(Array.from({ length: r.concurrency }, worker));
  }
  // Time spent sampling the heap is not part of the wall time (approximate with concurrency).
  const wallMs = clock() - started - heapMs;
  return finish(r, samples, wallMs, errors, firstError, heap);
}

/**
 * Times a synchronous `fn` without awaiting it (the floor of in-process lookups). Same options
 * and result as {@link measure}; `concurrency` must be 1.
 *
 * @throws {ValidationError} for invalid options or a `concurrency` other than 1.
 */
export function measureSync(fn: (index: number) => unknown, options: MeasureOptions): Measurement {
  const r = resolve(options);
  if (r.concurrency !== 1) {
    throw new ValidationError('Invalid measureSync() options', [
      { path: 'concurrency', message: 'must be 1 for synchronous functions' },
    ]);
  }
  const { clock, batch } = r;
  for (let i = 0; i < r.warmup; i++) {
    try {
      fn(i);
    } catch {
      // Warm-up errors are not counted.
    }
  }
  const samples = new Float64Array(r.samples);
  const heap = new HeapTracker(r.heap, r.heapEvery);
  heap.start = heap.sample();
  let errors = 0;
  let heapMs = 0;
  let firstError: unknown;
  const started = clock();
  for (let s = 0; s < r.samples; s++) {
    const base = s * batch;
    const t0 = clock();
    for (let j = 0; j < batch; j++) {
      try {
        fn(base + j);
      } catch (error) {
        if (errors++ === 0) firstError = error;
      }
    }
    const t1 = clock();
    samples[s] = (t1 - t0) / batch;
    if (heap.enabled) {
      heap.tick(batch);
      heapMs += clock() - t1;
    }
  }
  const wallMs = clock() - started - heapMs;
  return finish(r, samples, wallMs, errors, firstError, heap);
}
