/**
 * Load and bookkeeping for the chaos suite (`test/chaos/`): N concurrent callers looping on a
 * call until stopped, with counts of calls and failures, per-call cache overhead (the call's
 * duration minus the upstream time it reports), the event loop's worst delay over the same
 * window, and a counter of unhandled promise rejections.
 *
 * Timing bounds are checked against `commandTimeoutMs` multiples plus the measured event-loop
 * delay, so that a loaded 2-core machine does not make them flaky.
 *
 * @module
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sleep } from './redis-server.js';

/** What one call reports: the upstream time it spent (ms; subtracted from its duration). */
export type CallReport = { upstreamMs?: number } | undefined;

/** Summary of a finished {@link startLoad}. */
export interface LoadResult {
  /** Calls that settled (fulfilled or rejected). */
  calls: number;
  /** Calls that rejected (a cache failure that became an application failure). */
  failed: number;
  /** The first few rejections, for the failure message. */
  failures: unknown[];
  /** Longest call, in ms. */
  maxMs: number;
  /** Longest call minus its upstream time, in ms. */
  maxOverheadMs: number;
  /** 99th percentile of the overheads, in ms. */
  p99OverheadMs: number;
  /** Worst event-loop delay seen while the load ran, in ms. */
  maxLoopDelayMs: number;
  /** Overheads of the calls made while `phase` was set, by phase name. */
  overheadsByPhase: Map<string, number[]>;
  /** Durations of the calls made while `phase` was set, by phase name. */
  durationsByPhase: Map<string, number[]>;
}

/** A running load; see {@link startLoad}. */
export interface Load {
  /** Calls settled so far. */
  readonly calls: number;
  /** Tags the calls that start from now on (e.g. `'outage'`), for per-phase figures. */
  phase(name: string): void;
  /** Resolves once `n` more calls have settled (or `timeoutMs` passed). */
  settle(n: number, timeoutMs?: number): Promise<void>;
  /** Stops every caller after its current call and resolves with the summary. */
  stop(): Promise<LoadResult>;
}

/** Options of {@link startLoad}. */
export interface LoadOptions {
  /** Concurrent callers. @default 100 */
  callers?: number;
  /** Pause after each call of a caller, in ms (keeps the machine responsive). @default 2 */
  pauseMs?: number;
}

/** `q`-quantile of `values` (0 for none). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/**
 * Starts `callers` loops, each calling `call(caller, iteration)` until {@link Load.stop}.
 * A call that rejects is counted as failed (and never stops the loop).
 */
export function startLoad(
  call: (caller: number, i: number) => Promise<CallReport>,
  options: LoadOptions = {},
): Load {
  const callers = options.callers ?? 100;
  const pauseMs = options.pauseMs ?? 2;
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  let stopped = false;
  let calls = 0;
  let failed = 0;
  let maxMs = 0;
  let maxOverheadMs = 0;
  let phase = 'start';
  const overheads: number[] = [];
  const overheadsByPhase = new Map<string, number[]>();
  const durationsByPhase = new Map<string, number[]>();
  const record = (map: Map<string, number[]>, tag: string, value: number) => {
    let list = map.get(tag);
    if (!list) {
      list = [];
      map.set(tag, list);
    }
    list.push(value);
  };
  const failures: unknown[] = [];
  const waiters: { at: number; resolve: () => void }[] = [];

  const loop = async (caller: number) => {
    for (let i = 0; !stopped; i++) {
      const started = performance.now();
      const tag = phase;
      let upstreamMs = 0;
      try {
        const report = await call(caller, i);
        upstreamMs = report?.upstreamMs ?? 0;
      } catch (error) {
        failed++;
        if (failures.length < 5) failures.push(error);
      }
      const ms = performance.now() - started;
      const overhead = Math.max(0, ms - upstreamMs);
      calls++;
      maxMs = Math.max(maxMs, ms);
      maxOverheadMs = Math.max(maxOverheadMs, overhead);
      overheads.push(overhead);
      record(overheadsByPhase, tag, overhead);
      record(durationsByPhase, tag, ms);
      for (let w = waiters.length - 1; w >= 0; w--) {
        const waiter = waiters[w] as { at: number; resolve: () => void };
        if (calls >= waiter.at) {
          waiters.splice(w, 1);
          waiter.resolve();
        }
      }
      await sleep(pauseMs);
    }
  };
  const running = Array.from({ length: callers }, (_, caller) => loop(caller));

  return {
    get calls() {
      return calls;
    },
    phase: (name: string) => {
      phase = name;
    },
    settle: (n: number, timeoutMs = 10_000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        waiters.push({
          at: calls + n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    stop: async () => {
      stopped = true;
      await Promise.all(running);
      loopDelay.disable();
      for (const waiter of waiters.splice(0)) waiter.resolve();
      return {
        calls,
        failed,
        failures,
        maxMs,
        maxOverheadMs,
        p99OverheadMs: quantile(overheads, 0.99),
        maxLoopDelayMs: loopDelay.max / 1e6,
        overheadsByPhase,
        durationsByPhase,
      };
    },
  };
}

/** Counts `unhandledRejection`s of this process from now on; `dispose()` stops counting. */
export function countUnhandledRejections(): {
  readonly count: number;
  readonly reasons: unknown[];
  dispose(): void;
} {
  const reasons: unknown[] = [];
  const onRejection = (reason: unknown) => {
    reasons.push(reason);
  };
  process.on('unhandledRejection', onRejection);
  return {
    get count() {
      return reasons.length;
    },
    reasons,
    dispose: () => {
      process.off('unhandledRejection', onRejection);
    },
  };
}
