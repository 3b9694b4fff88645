/**
 * Rounds, calibration, medians and ratios for `npm run bench`.
 *
 * Every case of a scenario is measured once per round, the cases interleaved (and their order
 * rotated) so that drift of a shared machine hits them all alike. A row reports the median over
 * rounds of each metric, and its ratio to the limit row is the median of the per-round ratios.
 *
 * @module
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { measure, median, percentile } from '../src/benchmark/measure.js';

/** Settings shared by every scenario of one run. */
export interface BenchContext {
  /** `--quick`: fewer rounds, shorter rounds. */
  quick: boolean;
  /** Timed rounds per case. */
  rounds: number;
  /** Target duration of one timed round of one case, in ms. */
  roundMs: number;
  /** URL of the benchmark's own redis-server. */
  redisUrl: string;
  /** Progress output (stderr). */
  log: (line: string) => void;
}

/** Role of a row. */
export type RowKind = 'limit' | 'ours' | 'competitor' | 'info';

/** Metrics of one case in one round. */
export type Metrics = Record<string, number>;

/** One case of a scenario: `run(iterations)` measures one round. */
export interface CaseSpec {
  name: string;
  kind: RowKind;
  /** Measures one round of about `iterations` operations. */
  run: (iterations: number) => Promise<Metrics>;
  /** Note printed in the row. */
  note?: string;
}

/** Options of {@link runCases}. */
export interface RunCasesOptions {
  /** The metric ratios are taken on. */
  metric: string;
  /** Whether lower (durations) or higher (throughput) values of `metric` are better. */
  better: 'lower' | 'higher';
  /**
   * Name(s) of the limit case(s). With several, the limit of a round is the best of them in
   * that round (the strictest honest reference).
   */
  limit: string | readonly string[];
  /** Operations of the calibration runs. @default 200 */
  calibrate?: number;
  /** Bounds of the operations per round. @default [50, 2_000_000] */
  minIterations?: number;
  maxIterations?: number;
}

/** A measured case: per-round metrics, medians, and cost relative to the limit. */
export interface CaseResult {
  name: string;
  kind: RowKind;
  note: string | undefined;
  iterations: number;
  rounds: Metrics[];
  median: Metrics;
  /**
   * Cost relative to the limit, median over rounds: `value / limit` for lower-is-better
   * metrics, `limit / value` for throughput. `1` is the limit, `2` twice its cost.
   */
  ratio: number;
  /** Per-round costs relative to the limit. */
  ratios: number[];
}

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as (() => void) | undefined;

/** A full garbage collection (between rounds, outside any timed section). */
export function gc(): void {
  collect?.();
}

/** Median of every metric over rounds. */
export function medians(rounds: readonly Metrics[]): Metrics {
  const out: Metrics = {};
  const keys = new Set(rounds.flatMap((r) => Object.keys(r)));
  for (const key of keys)
    out[key] = median(rounds.map((r) => r[key] ?? Number.NaN).filter((v) => !Number.isNaN(v)));
  return out;
}

/** Cost of `value` relative to `limit` (1 = as fast as the limit). */
export function cost(value: number, limit: number, better: 'lower' | 'higher'): number {
  return better === 'lower' ? value / limit : limit / value;
}

/**
 * Cost of case `a` relative to case `b` on `metric`, as the median of per-round ratios (both
 * measured in the same round). Below 1, `a` is faster.
 */
export function pairedCost(a: CaseResult, b: CaseResult, metric: string, better: 'lower' | 'higher'): number {
  const n = Math.min(a.rounds.length, b.rounds.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) {
    const va = a.rounds[i]?.[metric];
    const vb = b.rounds[i]?.[metric];
    if (va !== undefined && vb !== undefined) ratios.push(cost(va, vb, better));
  }
  return median(ratios);
}

/**
 * Calibrates every case to about `ctx.roundMs` per round (which doubles as its warm-up), then
 * runs `ctx.rounds` interleaved rounds.
 */
export async function runCases(
  ctx: BenchContext,
  cases: readonly CaseSpec[],
  options: RunCasesOptions,
): Promise<CaseResult[]> {
  const limits = typeof options.limit === 'string' ? [options.limit] : options.limit;
  const metric = options.metric;
  const minIterations = options.minIterations ?? 50;
  const maxIterations = options.maxIterations ?? 2_000_000;
  const iterations = new Map<string, number>();
  for (const c of cases) {
    // Warm-up and calibration: grow until a run takes a fifth of a round.
    let n = options.calibrate ?? 200;
    let elapsed = 0;
    for (let attempt = 0; attempt < 12; attempt++) {
      const t0 = performance.now();
      await c.run(n);
      elapsed = performance.now() - t0;
      if (elapsed >= ctx.roundMs / 5 || n >= maxIterations) break;
      n = Math.min(maxIterations, n * 4);
    }
    const perOp = elapsed / n;
    iterations.set(c.name, Math.round(Math.min(maxIterations, Math.max(minIterations, ctx.roundMs / perOp))));
  }
  const rounds = new Map<string, Metrics[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < ctx.rounds; r++) {
    // One full GC per round (not per case: on a large heap a GC costs tens of ms), so that no
    // round starts with another's garbage; the rotation spreads what is left over the cases.
    gc();
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + r) % cases.length] as CaseSpec;
      rounds.get(c.name)?.push(await c.run(iterations.get(c.name) as number));
    }
  }
  const limitOf = (r: number): number | undefined => {
    const values = limits.map((name) => rounds.get(name)?.[r]?.[metric]).filter((v) => v !== undefined);
    if (values.length === 0) return undefined;
    return options.better === 'lower' ? Math.min(...values) : Math.max(...values);
  };
  return cases.map((c) => {
    const list = rounds.get(c.name) ?? [];
    const ratios: number[] = [];
    list.forEach((m, r) => {
      const limit = limitOf(r);
      const v = m[metric];
      if (limit !== undefined && v !== undefined) ratios.push(cost(v, limit, options.better));
    });
    return {
      name: c.name,
      kind: c.kind,
      note: c.note,
      iterations: iterations.get(c.name) ?? 0,
      rounds: list,
      median: medians(list),
      ratio: median(ratios),
      ratios,
    };
  });
}

/** Finds a case by name or throws (scenario wiring errors). */
export function byName(results: readonly CaseResult[], name: string): CaseResult {
  const found = results.find((r) => r.name === name);
  if (!found) throw new Error(`no case named ${name}`);
  return found;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One system of a Redis round-trip scenario: a name, its role, and the operation it times. */
export interface RoundTripSystem {
  name: string;
  kind: CaseSpec['kind'];
  note?: string;
  op: (index: number) => Promise<unknown>;
}

/** Requests kept in flight by {@link runSequentialAndInFlight}. */
export const IN_FLIGHT = 64;

/**
 * The two passes every Redis round-trip scenario makes over its systems: one call at a time
 * (p50 / p99, lower is better) and {@link IN_FLIGHT} calls in flight (ops/s, higher is better),
 * each against the fastest of `limits` in the same round.
 */
export async function runSequentialAndInFlight(
  ctx: BenchContext,
  label: string,
  systems: readonly RoundTripSystem[],
  limits: readonly string[],
): Promise<{ seq: CaseResult[]; par: CaseResult[] }> {
  const spec = (sys: RoundTripSystem, run: CaseSpec['run']): CaseSpec => ({
    name: sys.name,
    kind: sys.kind,
    ...(sys.note ? { note: sys.note } : {}),
    run,
  });
  ctx.log(`  ${label} sequential`);
  const seq = await runCases(
    ctx,
    systems.map((sys) =>
      spec(sys, async (n) => {
        const { samples } = await measure(sys.op, { iterations: n });
        return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
      }),
    ),
    {
      metric: 'p50',
      better: 'lower',
      limit: [...limits],
      calibrate: 100,
      minIterations: 200,
      maxIterations: 20_000,
    },
  );
  ctx.log(`  ${label}, ${IN_FLIGHT} in flight`);
  const par = await runCases(
    ctx,
    systems.map((sys) =>
      spec(sys, async (n) => ({
        ops: (await measure(sys.op, { iterations: n, concurrency: IN_FLIGHT })).opsPerSec,
      })),
    ),
    {
      metric: 'ops',
      better: 'higher',
      limit: [...limits],
      calibrate: 500,
      minIterations: 1000,
      maxIterations: 200_000,
    },
  );
  return { seq, par };
}
