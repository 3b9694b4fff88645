/**
 * The benchmark API: time a {@link Cache}, compare runs, detect regressions.
 *
 * Compare runs taken on the same machine in the same session: absolute numbers drift on shared
 * machines, ratios hold.
 *
 * @module
 */

export { CachePerformanceBenchmark } from './benchmark.js';
export { benchmarkEnvironment, describeEnvironment } from './environment.js';
export {
  formatBytes,
  formatDuration,
  formatPercent,
  formatRate,
  formatRatio,
  markdownTable,
} from './format.js';
export type { Clock, HeapProbe, Measurement, MeasureOptions, SampleStats } from './measure.js';
export { measure, measureSync, median, percentile, summarize } from './measure.js';
export type { DefaultBenchmarkValue } from './payload.js';
export { createRandom, defaultBenchmarkValue } from './payload.js';
export { BenchmarkPresets } from './presets.js';
export type {
  BenchmarkInput,
  MemoryMetric,
  Regression,
  RegressionDetectorOptions,
  RegressionSeverity,
  TimingMetric,
} from './regression.js';
export { PerformanceRegressionDetector } from './regression.js';
export type {
  BenchmarkSuiteInit,
  BenchmarkSuiteJSON,
  ResultComparison,
  SuiteComparison,
  SuiteSummary,
} from './suite.js';
export { BenchmarkSuite, comparisonToMarkdown, resultKey } from './suite.js';
export type {
  BenchmarkConfig,
  BenchmarkEnvironment,
  BenchmarkMetadata,
  BenchmarkOperation,
  BenchmarkResult,
  RunOptions,
  ValueFactory,
} from './types.js';
export { BENCHMARK_OPERATIONS } from './types.js';
