/**
 * The time budget of one cached call: how long its cache work (lookup, lock acquisition, store)
 * may take in total, whatever each step's own timeout. Internal: used by `Cache.resolve` and by
 * the LLM client wrappers.
 *
 * @module
 */
import type { BackendHealth } from '../backends/types.js';
import { CircuitOpenError, TimeoutError } from '../errors.js';
import type { DistributedLock, WaitOutcome } from '../locks/types.js';

/** Marker returned by {@link Budget.bound} when the budget ran out first. */
export const OVER_BUDGET: unique symbol = Symbol('over budget');

/** Default budget of a call when the backend does not tell its command timeout (ms). */
export const DEFAULT_BUDGET_MS = 1000;

/**
 * The default per-call budget for `backend`: its `commandTimeoutMs` when it exposes one as a
 * positive number, else {@link DEFAULT_BUDGET_MS}.
 */
export function defaultBudgetMs(backend: object | undefined): number {
  const ms = (backend as { commandTimeoutMs?: unknown } | undefined)?.commandTimeoutMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_BUDGET_MS;
}

/** Deadlines are rounded up to this grid so that concurrent calls share one timer. */
const GRID_MS = 4;

interface Slot {
  readonly fires: Set<() => void>;
  readonly timer: NodeJS.Timeout;
}

/** Pending deadlines by grid slot (ms of `performance.now()`): one timer per slot, not per call. */
const slots = new Map<number, Slot>();

/** Calls `fire` at about `at` (`performance.now()` ms, rounded up to the grid); returns the cancel function. */
function schedule(at: number, fire: () => void): () => void {
  const key = Math.ceil(at / GRID_MS) * GRID_MS;
  let slot = slots.get(key);
  if (!slot) {
    const fires = new Set<() => void>();
    const timer = setTimeout(
      () => {
        if (slots.get(key)?.fires === fires) slots.delete(key);
        for (const f of fires) f();
      },
      Math.max(0, key - performance.now()),
    );
    // Unreferenced and left to fire even when every deadline of its slot was cancelled: calls
    // one after another within a slot share it (no timer created and cleared per call).
    timer.unref?.();
    slot = { fires, timer };
    slots.set(key, slot);
  }
  const { fires } = slot;
  fires.add(fire);
  return () => {
    fires.delete(fire);
  };
}

/**
 * Milliseconds of cache work left to one call. Each awaited step is charged the time it took;
 * the time of the producer (or upstream call) in between is not charged. Concurrent calls share
 * timers (deadlines on a 4 ms grid), so bounding a step costs about a promise, not a timer.
 */
export class Budget {
  #left: number;
  readonly #clock: () => number;

  /** @param ms the whole budget; @param clock a monotonic clock in ms (default `performance.now`). */
  constructor(ms: number, clock: () => number = () => performance.now()) {
    this.#left = ms;
    this.#clock = clock;
  }

  /** Milliseconds left (<= 0 once spent). */
  get left(): number {
    return this.#left;
  }

  /** Whether the budget is spent. */
  get spent(): boolean {
    return this.#left <= 0;
  }

  /**
   * Awaits `work` for at most the budget left and charges the time waited. Resolves with
   * {@link OVER_BUDGET} when the budget runs out first; `work` then goes on in the background
   * (a later rejection is swallowed here: `work` must report its own failures).
   */
  bound<T>(work: Promise<T>): Promise<T | typeof OVER_BUDGET> {
    if (this.#left <= 0) {
      work.catch(() => {});
      return Promise.resolve(OVER_BUDGET);
    }
    const started = this.#clock();
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.#left -= this.#clock() - started;
      return true;
    };
    return new Promise<T | typeof OVER_BUDGET>((resolve, reject) => {
      const cancel = schedule(performance.now() + this.#left, () => {
        if (!settle()) return;
        // Timers may fire a hair early: running out is what spends the budget, whatever the clock says.
        this.#left = Math.min(this.#left, 0);
        resolve(OVER_BUDGET);
      });
      work.then(
        (value) => {
          cancel();
          if (settle()) resolve(value);
        },
        (error: unknown) => {
          cancel();
          if (settle()) reject(error);
        },
      );
    });
  }
}

/** Whether the cross-process lock is to be skipped: the backend's breaker is open, or it is failing. */
export function lockUnusable(health: BackendHealth | undefined, degraded: boolean): boolean {
  return degraded || health?.state === 'open';
}

/**
 * `lock` seen through a call's budget: acquiring it (one command) is cache work bounded by the
 * budget (past it, or while the breaker is open, `tryAcquire` fails so that the caller proceeds
 * without the lock, and a lock acquired too late is released); waiting for another process's
 * producer is not (it keeps the lock's own `waitMs`), but ends as soon as the breaker opens.
 */
export function budgetedLock(
  lock: DistributedLock,
  budget: Budget,
  health: BackendHealth | undefined,
): DistributedLock {
  return {
    name: lock.name,
    async tryAcquire(key, ttlMs) {
      if (health?.state === 'open') throw new CircuitOpenError('Lock skipped: the circuit breaker is open');
      const pending = lock.tryAcquire(key, ttlMs);
      const handle = await budget.bound(pending);
      if (handle !== OVER_BUDGET) return handle;
      pending.then((late) => late?.release()).catch(() => {});
      throw new TimeoutError('Lock acquisition exceeded the call budget', {
        context: { key, reason: 'budget' },
      });
    },
    waitForRelease(key, timeoutMs, signal) {
      if (!health) return lock.waitForRelease(key, timeoutMs, signal);
      if (health.state === 'open') return Promise.resolve<WaitOutcome>('expired');
      return new Promise<WaitOutcome>((resolve, reject) => {
        const unsubscribe = health.onChange((change) => {
          if (change.state !== 'open') return;
          unsubscribe();
          resolve('expired');
        });
        lock.waitForRelease(key, timeoutMs, signal).then(
          (outcome) => {
            unsubscribe();
            resolve(outcome);
          },
          (error: unknown) => {
            unsubscribe();
            reject(error);
          },
        );
      });
    },
    close: () => lock.close(),
  };
}
