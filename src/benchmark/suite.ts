/**
 * `BenchmarkSuite`: a set of {@link BenchmarkResult}s taken in one run, with a summary, a
 * comparison against another suite, and markdown / JSON output.
 *
 * @module
 */
import { ValidationError } from '../index.js';
import { describeEnvironment } from './environment.js';
import {
  formatBytes,
  formatDuration,
  formatPercent,
  formatRate,
  formatRatio,
  markdownTable,
} from './format.js';
import type { BenchmarkEnvironment, BenchmarkResult } from './types.js';

/** Identifies a result across suites: `get 2048B c1` (operation, data size, concurrency). */
export function resultKey(result: BenchmarkResult): string {
  const { operation, dataSize, concurrency } = result.metadata;
  return `${operation} ${dataSize}B c${concurrency}`;
}

/** What a {@link BenchmarkSuite} is built from. */
export interface BenchmarkSuiteInit {
  /** Name of the suite (what was benchmarked). */
  name: string;
  /** The results, in run order. */
  results: readonly BenchmarkResult[];
  /** Machine and runtime. @default undefined */
  environment?: BenchmarkEnvironment;
  /** When the suite was created (ISO 8601). @default now */
  createdAt?: string;
}

/** Totals of a suite, from {@link BenchmarkSuite.summary}. */
export interface SuiteSummary {
  name: string;
  /** Number of results. */
  runs: number;
  /** Timed calls over all results. */
  totalIterations: number;
  /** Failed calls over all results. */
  totalErrors: number;
  /** Share of calls that succeeded, over all results (0-1). */
  successRate: number;
  /** Mean of the results' hit rates (0-1). */
  meanHitRate: number;
  /** Result with the highest throughput. */
  fastest: { key: string; opsPerSec: number } | undefined;
  /** Result with the lowest throughput. */
  slowest: { key: string; opsPerSec: number } | undefined;
  /** Largest heap peak seen, in MiB. */
  heapPeakMB: number;
}

/** Change of one result between two suites. Ratios are current / baseline. */
export interface ResultComparison {
  key: string;
  baseline: BenchmarkResult;
  current: BenchmarkResult;
  /** Current p50 / baseline p50 (above 1: slower). */
  p50Ratio: number;
  /** Current p99 / baseline p99 (above 1: slower). */
  p99Ratio: number;
  /** Current ops/s / baseline ops/s (below 1: slower). */
  opsRatio: number;
  /** Change of p50 in percent (positive: slower). */
  changePct: number;
  /** `'slower'` / `'faster'` when p50 moved by more than the tolerance, else `'unchanged'`. */
  verdict: 'faster' | 'slower' | 'unchanged';
}

/** Result of {@link BenchmarkSuite.compareWith}. */
export interface SuiteComparison {
  baseline: string;
  current: string;
  /** Tolerance used for the verdicts, in percent. */
  tolerancePct: number;
  /** One row per result present in both suites, in the current suite's order. */
  rows: ResultComparison[];
  /** Keys found only in the baseline. */
  onlyInBaseline: string[];
  /** Keys found only in the current suite. */
  onlyInCurrent: string[];
}

/** The serialized form of a suite ({@link BenchmarkSuite.toJSON}). */
export interface BenchmarkSuiteJSON {
  format: typeof SUITE_FORMAT;
  name: string;
  createdAt: string;
  environment?: BenchmarkEnvironment;
  results: BenchmarkResult[];
}

const SUITE_FORMAT = 'ai-response-cache/bench-suite@1';

/**
 * The results of one benchmark run.
 *
 * @example
 * const suite = await new CachePerformanceBenchmark(cache, BenchmarkPresets.quick()).runComprehensive();
 * writeFileSync('bench.json', JSON.stringify(suite));
 * const diff = suite.compareWith(BenchmarkSuite.fromJSON(JSON.parse(readFileSync('baseline.json', 'utf8'))));
 */
export class BenchmarkSuite {
  /** Name of the suite. */
  readonly name: string;
  /** The results, in run order. */
  readonly results: readonly BenchmarkResult[];
  /** Machine and runtime, when known. */
  readonly environment: BenchmarkEnvironment | undefined;
  /** When the suite was created (ISO 8601). */
  readonly createdAt: string;

  constructor(init: BenchmarkSuiteInit) {
    this.name = init.name;
    this.results = [...init.results];
    this.environment = init.environment;
    this.createdAt = init.createdAt ?? new Date().toISOString();
  }

  /**
   * Rebuilds a suite from {@link BenchmarkSuite.toJSON} output (e.g. a stored baseline).
   *
   * @throws {ValidationError} when `json` is not a serialized suite.
   */
  static fromJSON(json: unknown): BenchmarkSuite {
    const data = json as Partial<BenchmarkSuiteJSON> | null;
    if (
      typeof data !== 'object' ||
      data === null ||
      data.format !== SUITE_FORMAT ||
      typeof data.name !== 'string' ||
      !Array.isArray(data.results)
    ) {
      throw new ValidationError('Not a serialized BenchmarkSuite', [
        { path: 'format', message: `expected "${SUITE_FORMAT}" with a name and results` },
      ]);
    }
    return new BenchmarkSuite({
      name: data.name,
      results: data.results,
      ...(data.environment ? { environment: data.environment } : {}),
      ...(typeof data.createdAt === 'string' ? { createdAt: data.createdAt } : {}),
    });
  }

  /** The result with `key` (see {@link resultKey}), if any. */
  get(key: string): BenchmarkResult | undefined {
    return this.results.find((r) => resultKey(r) === key);
  }

  /** Totals over every result. */
  summary(): SuiteSummary {
    let totalIterations = 0;
    let totalErrors = 0;
    let hitRates = 0;
    let heapPeakMB = 0;
    let fastest: SuiteSummary['fastest'];
    let slowest: SuiteSummary['slowest'];
    for (const r of this.results) {
      totalIterations += r.iterations;
      totalErrors += r.errorCount;
      hitRates += r.hitRate;
      heapPeakMB = Math.max(heapPeakMB, r.heapPeakMB);
      const key = resultKey(r);
      if (!fastest || r.opsPerSec > fastest.opsPerSec) fastest = { key, opsPerSec: r.opsPerSec };
      if (!slowest || r.opsPerSec < slowest.opsPerSec) slowest = { key, opsPerSec: r.opsPerSec };
    }
    const runs = this.results.length;
    return {
      name: this.name,
      runs,
      totalIterations,
      totalErrors,
      successRate: totalIterations === 0 ? 0 : (totalIterations - totalErrors) / totalIterations,
      meanHitRate: runs === 0 ? 0 : hitRates / runs,
      fastest,
      slowest,
      heapPeakMB,
    };
  }

  /**
   * Compares this suite (current) with `baseline`, result by result (matched by
   * {@link resultKey}). A p50 change larger than `tolerancePct` percent is a verdict of
   * `'slower'` or `'faster'`. Only compare suites taken on the same machine: absolute timings
   * of different machines (or of a shared, noisy one at different times) do not compare.
   */
  compareWith(baseline: BenchmarkSuite, options: { tolerancePct?: number } = {}): SuiteComparison {
    const tolerancePct = options.tolerancePct ?? 5;
    const base = new Map(baseline.results.map((r) => [resultKey(r), r] as const));
    const seen = new Set<string>();
    const rows: ResultComparison[] = [];
    const onlyInCurrent: string[] = [];
    for (const current of this.results) {
      const key = resultKey(current);
      const old = base.get(key);
      if (!old) {
        onlyInCurrent.push(key);
        continue;
      }
      seen.add(key);
      const p50Ratio = ratio(current.p50Ms, old.p50Ms);
      const changePct = (p50Ratio - 1) * 100;
      rows.push({
        key,
        baseline: old,
        current,
        p50Ratio,
        p99Ratio: ratio(current.p99Ms, old.p99Ms),
        opsRatio: ratio(current.opsPerSec, old.opsPerSec),
        changePct,
        verdict: changePct > tolerancePct ? 'slower' : changePct < -tolerancePct ? 'faster' : 'unchanged',
      });
    }
    return {
      baseline: baseline.name,
      current: this.name,
      tolerancePct,
      rows,
      onlyInBaseline: [...base.keys()].filter((k) => !seen.has(k)),
      onlyInCurrent,
    };
  }

  /** A markdown section: heading, machine, and one table row per result. */
  toMarkdown(): string {
    const lines = [`### ${this.name}`, ''];
    const env = this.environment ? `${describeEnvironment(this.environment)}, ` : '';
    lines.push(`${env}${this.createdAt}`, '');
    lines.push(
      markdownTable(
        [
          'Operation',
          'Size',
          'Concurrency',
          'Iterations',
          'p50',
          'p95',
          'p99',
          'ops/s',
          'Hit rate',
          'Success',
          'Heap peak',
        ],
        this.results.map((r) => [
          String(r.metadata.operation),
          formatBytes(r.metadata.dataSize),
          String(r.metadata.concurrency),
          String(r.iterations),
          formatDuration(r.p50Ms),
          formatDuration(r.p95Ms),
          formatDuration(r.p99Ms),
          formatRate(r.opsPerSec),
          formatPercent(r.hitRate),
          formatPercent(r.successRate),
          `${r.heapPeakMB.toFixed(1)} MB`,
        ]),
      ),
    );
    return lines.join('\n');
  }

  /** A plain object for `JSON.stringify` (read back with {@link BenchmarkSuite.fromJSON}). */
  toJSON(): BenchmarkSuiteJSON {
    return {
      format: SUITE_FORMAT,
      name: this.name,
      createdAt: this.createdAt,
      ...(this.environment ? { environment: this.environment } : {}),
      results: [...this.results],
    };
  }
}

/** Markdown table of a {@link SuiteComparison}. */
export function comparisonToMarkdown(comparison: SuiteComparison): string {
  return markdownTable(
    ['Result', 'p50 before', 'p50 now', 'p50 ratio', 'ops/s ratio', 'Verdict'],
    comparison.rows.map((row) => [
      row.key,
      formatDuration(row.baseline.p50Ms),
      formatDuration(row.current.p50Ms),
      formatRatio(row.p50Ratio),
      formatRatio(row.opsRatio),
      row.verdict,
    ]),
  );
}

function ratio(a: number, b: number): number {
  if (b === 0) return a === 0 ? 1 : Number.POSITIVE_INFINITY;
  return a / b;
}
