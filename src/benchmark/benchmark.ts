/**
 * `CachePerformanceBenchmark`: times the operations of a {@link Cache} and reports percentiles,
 * throughput, hit rate, heap and errors.
 *
 * @module
 */
import type { Cache } from '../index.js';
import { ValidationError, type ValidationIssue } from '../index.js';
import { benchmarkEnvironment } from './environment.js';
import { type HeapProbe, type Measurement, measure, summarize } from './measure.js';
import { defaultBenchmarkValue } from './payload.js';
import { BenchmarkSuite } from './suite.js';
import {
  BENCHMARK_OPERATIONS,
  type BenchmarkConfig,
  type BenchmarkOperation,
  type BenchmarkResult,
  type RunOptions,
} from './types.js';

const MIB = 1024 * 1024;
const defaultHeap: HeapProbe = () => process.memoryUsage().heapUsed;

type ResolvedConfig = Required<Omit<BenchmarkConfig, 'heap' | 'clock'>> & {
  heap: HeapProbe | undefined;
  clock: BenchmarkConfig['clock'];
};

function checkPositiveIntegers(issues: ValidationIssue[], path: string, values: readonly unknown[]): void {
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
      issues.push({ path, message: `must hold integers >= 1 (got ${String(v)})` });
    }
  }
}

function resolveConfig(config: BenchmarkConfig): ResolvedConfig {
  const issues: ValidationIssue[] = [];
  const operations = config.operations ?? BENCHMARK_OPERATIONS;
  for (const op of operations) {
    if (!BENCHMARK_OPERATIONS.includes(op)) {
      issues.push({ path: 'operations', message: `unknown operation ${String(op)}` });
    }
  }
  const resolved: ResolvedConfig = {
    name: config.name ?? 'cache',
    operations,
    iterations: config.iterations ?? 1000,
    dataSizes: config.dataSizes ?? [1024],
    concurrencies: config.concurrencies ?? [1],
    warmup: config.warmup ?? 100,
    keySpace: config.keySpace ?? 1000,
    keyPrefix: config.keyPrefix ?? 'bench',
    valueFactory: config.valueFactory ?? defaultBenchmarkValue,
    clock: config.clock,
    heap: config.heap === false ? undefined : (config.heap ?? defaultHeap),
  };
  checkPositiveIntegers(issues, 'iterations', [resolved.iterations]);
  checkPositiveIntegers(issues, 'keySpace', [resolved.keySpace]);
  checkPositiveIntegers(issues, 'dataSizes', resolved.dataSizes);
  checkPositiveIntegers(issues, 'concurrencies', resolved.concurrencies);
  if (!Number.isSafeInteger(resolved.warmup) || resolved.warmup < 0) {
    issues.push({ path: 'warmup', message: `must be an integer >= 0 (got ${String(resolved.warmup)})` });
  }
  if (issues.length) throw new ValidationError('Invalid benchmark config', issues);
  return resolved;
}

/**
 * Times `get`, `set`, `delete` and `getOrSet` on a {@link Cache}.
 *
 * Every run writes its own keys (`keyPrefix:run:n`) and deletes them afterwards; it never
 * clears the cache. Percentiles are nearest-rank over per-call durations.
 *
 * @example
 * const bench = new CachePerformanceBenchmark(cache, BenchmarkPresets.quick());
 * const get = await bench.runSingle('get', { iterations: 5000, dataSize: 2048, concurrency: 8 });
 * console.log(get.p99Ms, get.opsPerSec);
 * const suite = await bench.runComprehensive();
 * console.log(suite.toMarkdown());
 */
export class CachePerformanceBenchmark {
  readonly #cache: Cache;
  readonly #config: ResolvedConfig;
  #runs = 0;

  /** @throws {ValidationError} listing every invalid option. */
  constructor(cache: Cache, config: BenchmarkConfig = {}) {
    this.#cache = cache;
    this.#config = resolveConfig(config);
  }

  /**
   * Times one operation.
   *
   * - `get`: every key is written first; `hitRate` is the share of reads that found a value.
   * - `set`: writes values of `dataSize` bytes.
   * - `delete`: one present key per call (so `iterations` entries of `dataSize` bytes are written
   *   first); `hitRate` is the share of deletions that removed something.
   * - `getOrSet`: starts empty, so the first call for each key runs the producer;
   *   `hitRate` is the share of calls that did not.
   *
   * @throws {ValidationError} for an unknown operation or invalid options.
   */
  async runSingle(operation: BenchmarkOperation, options: RunOptions): Promise<BenchmarkResult> {
    const cfg = this.#config;
    const issues: ValidationIssue[] = [];
    if (!BENCHMARK_OPERATIONS.includes(operation)) {
      issues.push({ path: 'operation', message: `unknown operation ${String(operation)}` });
    }
    checkPositiveIntegers(issues, 'iterations', [options.iterations]);
    checkPositiveIntegers(issues, 'dataSize', [options.dataSize]);
    checkPositiveIntegers(issues, 'concurrency', [options.concurrency ?? 1]);
    const warmup = options.warmup ?? cfg.warmup;
    if (!Number.isSafeInteger(warmup) || warmup < 0) {
      issues.push({ path: 'warmup', message: `must be an integer >= 0 (got ${String(warmup)})` });
    }
    if (issues.length) throw new ValidationError('Invalid runSingle() call', issues);

    const { iterations, dataSize } = options;
    const concurrency = options.concurrency ?? 1;
    const run = `${cfg.keyPrefix}:${Date.now().toString(36)}${(++this.#runs).toString(36)}`;
    const keySpace = operation === 'delete' ? iterations : Math.min(iterations, cfg.keySpace);
    const warmSpace = operation === 'delete' ? warmup : Math.min(warmup, cfg.keySpace);
    const timedKeys = Array.from({ length: keySpace }, (_, i) => `${run}:${i}`);
    const warmKeys = Array.from({ length: warmSpace }, (_, i) => `${run}:w${i}`);
    // At most `keySpace` distinct values are built and reused cyclically (a delete run has one
    // key per iteration, not one value per iteration).
    const valueCount = Math.min(keySpace, cfg.keySpace);
    const values = Array.from({ length: valueCount }, (_, i) => cfg.valueFactory(i, dataSize));

    const cache = this.#cache;
    if (operation === 'get' || operation === 'delete') {
      for (let i = 0; i < timedKeys.length; i++)
        await cache.set(timedKeys[i] as string, values[i % valueCount]);
      for (let i = 0; i < warmKeys.length; i++)
        await cache.set(warmKeys[i] as string, values[i % valueCount]);
    }

    let found = 0;
    let produced = 0;
    const make = (keys: readonly string[]): ((i: number) => Promise<void>) => {
      const n = keys.length;
      switch (operation) {
        case 'get':
          return async (i) => {
            if ((await cache.get(keys[i % n] as string)) !== undefined) found++;
          };
        case 'set':
          return async (i) => {
            await cache.set(keys[i % n] as string, values[i % valueCount]);
            found++;
          };
        case 'delete':
          return async (i) => {
            if (await cache.delete(keys[i % n] as string)) found++;
          };
        case 'getOrSet':
          return async (i) => {
            await cache.getOrSet(keys[i % n] as string, () => {
              produced++;
              return values[i % valueCount];
            });
          };
      }
    };

    let m: Measurement;
    try {
      if (warmup > 0 && warmKeys.length > 0) {
        await measure(make(warmKeys), { iterations: warmup, concurrency, ...this.#clock() });
      }
      found = 0;
      produced = 0;
      m = await measure(make(timedKeys), {
        iterations,
        concurrency,
        ...this.#clock(),
        ...(cfg.heap ? { heap: cfg.heap } : {}),
      });
    } finally {
      for (const key of [...timedKeys, ...warmKeys]) await cache.delete(key).catch(() => false);
    }

    const stats = summarize(m.samples);
    const succeeded = m.iterations - m.errors;
    let hitRate: number;
    if (operation === 'getOrSet') hitRate = m.iterations === 0 ? 0 : 1 - produced / m.iterations;
    else hitRate = succeeded === 0 ? 0 : found / succeeded;
    const mb = (bytes: number | undefined) => (bytes === undefined ? 0 : bytes / MIB);
    return {
      iterations: m.iterations,
      totalMs: m.wallMs,
      avgMs: stats.mean,
      minMs: stats.min,
      maxMs: stats.max,
      p50Ms: stats.p50,
      p95Ms: stats.p95,
      p99Ms: stats.p99,
      opsPerSec: m.opsPerSec,
      hitRate: Math.max(0, Math.min(1, hitRate)),
      heapUsedMB: mb(m.heapEndBytes),
      heapPeakMB: mb(m.heapPeakBytes),
      heapDeltaMB: mb(m.heapEndBytes) - mb(m.heapStartBytes),
      successRate: m.iterations === 0 ? 0 : succeeded / m.iterations,
      errorCount: m.errors,
      timestamp: new Date().toISOString(),
      metadata: {
        operation,
        dataSize,
        concurrency,
        warmup,
        keySpace,
        backend: cache.backend?.name ?? 'none',
        ...(m.firstError === undefined ? {} : { firstError: String(m.firstError) }),
      },
    };
  }

  /**
   * Runs every configured operation for every configured data size and concurrency.
   * Results are in that order (operations outermost).
   */
  async runComprehensive(): Promise<BenchmarkSuite> {
    const cfg = this.#config;
    const results: BenchmarkResult[] = [];
    for (const operation of cfg.operations) {
      for (const dataSize of cfg.dataSizes) {
        for (const concurrency of cfg.concurrencies) {
          results.push(
            await this.runSingle(operation, { iterations: cfg.iterations, dataSize, concurrency }),
          );
        }
      }
    }
    return new BenchmarkSuite({ name: cfg.name, results, environment: benchmarkEnvironment() });
  }

  #clock(): { clock?: NonNullable<BenchmarkConfig['clock']> } {
    return this.#config.clock ? { clock: this.#config.clock } : {};
  }
}
