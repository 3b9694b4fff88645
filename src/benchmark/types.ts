/**
 * Types of the benchmark API.
 *
 * @module
 */
import type { Clock, HeapProbe } from './measure.js';

/** The cache operations {@link CachePerformanceBenchmark} can time. */
export const BENCHMARK_OPERATIONS = ['get', 'set', 'delete', 'getOrSet'] as const;

/** One of {@link BENCHMARK_OPERATIONS}. */
export type BenchmarkOperation = (typeof BENCHMARK_OPERATIONS)[number];

/** Where a result comes from, and anything else worth keeping next to it. */
export interface BenchmarkMetadata {
  /** The timed operation. */
  operation: BenchmarkOperation | string;
  /** Approximate size of each value, in bytes of JSON. */
  dataSize: number;
  /** Calls in flight at once. */
  concurrency: number;
  /** Untimed calls made first. */
  warmup: number;
  /** Distinct keys cycled through. */
  keySpace: number;
  /** Free-form extras (backend name, L1 protection, ...). */
  [extra: string]: unknown;
}

/** The outcome of one timed run ({@link CachePerformanceBenchmark.runSingle}). */
export interface BenchmarkResult {
  /** Number of timed calls. */
  iterations: number;
  /** Wall time of the timed part, in milliseconds. */
  totalMs: number;
  /** Mean duration of a call, in milliseconds. */
  avgMs: number;
  /** Fastest call, in milliseconds. */
  minMs: number;
  /** Slowest call, in milliseconds. */
  maxMs: number;
  /** Median call duration (nearest rank), in milliseconds. */
  p50Ms: number;
  /** 95th percentile (nearest rank), in milliseconds. */
  p95Ms: number;
  /** 99th percentile (nearest rank), in milliseconds. */
  p99Ms: number;
  /** Timed calls per second of wall time. */
  opsPerSec: number;
  /**
   * Share of calls that found a value (0-1): `get` hits, `delete`s that removed something,
   * `getOrSet` calls served without calling the producer. `1` for `set`.
   */
  hitRate: number;
  /** Heap in use at the end of the run, in MiB. */
  heapUsedMB: number;
  /** Largest heap seen during the run, in MiB. */
  heapPeakMB: number;
  /** Heap at the end minus heap at the start, in MiB. */
  heapDeltaMB: number;
  /** Share of calls that did not throw (0-1). */
  successRate: number;
  /** Calls that threw or rejected. */
  errorCount: number;
  /** When the run finished (ISO 8601). */
  timestamp: string;
  /** What was run. */
  metadata: BenchmarkMetadata;
}

/** Options of one {@link CachePerformanceBenchmark.runSingle} call. */
export interface RunOptions {
  /** Number of timed calls. */
  iterations: number;
  /** Approximate size of each value, in bytes of JSON. */
  dataSize: number;
  /** Calls in flight at once. @default 1 */
  concurrency?: number;
  /** Untimed calls made first. @default the benchmark config's `warmup` */
  warmup?: number;
}

/** Builds the value stored under key number `index` for a given size. */
export type ValueFactory = (index: number, dataSize: number) => unknown;

/** Configuration of a {@link CachePerformanceBenchmark}. */
export interface BenchmarkConfig {
  /** Name of the suite {@link CachePerformanceBenchmark.runComprehensive} returns. @default 'cache' */
  name?: string;
  /** Operations run by {@link CachePerformanceBenchmark.runComprehensive}. @default all of {@link BENCHMARK_OPERATIONS} */
  operations?: readonly BenchmarkOperation[];
  /** Timed calls per run. @default 1000 */
  iterations?: number;
  /** Value sizes (bytes of JSON) run by `runComprehensive`. @default [1024] */
  dataSizes?: readonly number[];
  /** Concurrency levels run by `runComprehensive`. @default [1] */
  concurrencies?: readonly number[];
  /** Untimed calls before each run. @default 100 */
  warmup?: number;
  /**
   * Distinct keys a run cycles through (capped by its iterations). `delete` runs always use
   * one key per iteration, so that every timed call deletes a present entry.
   * @default 1000
   */
  keySpace?: number;
  /** First part of every key the benchmark writes (it deletes them afterwards). @default 'bench' */
  keyPrefix?: string;
  /** Builds the stored values. @default varied JSON documents of the requested size */
  valueFactory?: ValueFactory;
  /** Clock in milliseconds. @default performance.now */
  clock?: Clock;
  /** Heap probe in bytes; `false` to skip heap tracking. @default process.memoryUsage().heapUsed */
  heap?: HeapProbe | false;
}

/** Machine and runtime a suite ran on. */
export interface BenchmarkEnvironment {
  node: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpus: number;
  totalMemoryMB: number;
}
