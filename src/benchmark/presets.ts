/**
 * Ready-made {@link BenchmarkConfig}s.
 *
 * @module
 */
import type { BenchmarkConfig } from './types.js';

/**
 * Benchmark configurations of increasing length, for {@link CachePerformanceBenchmark}.
 * Each call returns a fresh object: spread it to override a field.
 *
 * @example
 * new CachePerformanceBenchmark(cache, { ...BenchmarkPresets.standard(), name: 'redis' });
 */
export const BenchmarkPresets = {
  /** A smoke run of a few seconds: 1,000 calls of 1 KB values, sequential and 10 in flight. */
  quick(): BenchmarkConfig {
    return {
      name: 'quick',
      operations: ['get', 'set', 'delete', 'getOrSet'],
      iterations: 1000,
      dataSizes: [1024],
      concurrencies: [1, 10],
      warmup: 100,
      keySpace: 500,
    };
  },
  /** 5,000 calls of 1 KB and 10 KB values at 1, 10 and 50 in flight. */
  standard(): BenchmarkConfig {
    return {
      name: 'standard',
      operations: ['get', 'set', 'delete', 'getOrSet'],
      iterations: 5000,
      dataSizes: [1024, 10_240],
      concurrencies: [1, 10, 50],
      warmup: 500,
      keySpace: 1000,
    };
  },
  /**
   * 10,000 calls of 256 B to 50 KB values at 1 to 100 in flight (minutes, not seconds; a
   * `delete` run of 50 KB values first writes 10,000 of them, about 500 MB).
   */
  comprehensive(): BenchmarkConfig {
    return {
      name: 'comprehensive',
      operations: ['get', 'set', 'delete', 'getOrSet'],
      iterations: 10_000,
      dataSizes: [256, 2048, 10_240, 51_200],
      concurrencies: [1, 10, 50, 100],
      warmup: 1000,
      keySpace: 2000,
    };
  },
} as const;
