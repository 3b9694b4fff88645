/**
 * The one mechanism that bounds every Redis command the library sends: each command gets a
 * deadline, and one `unref()`ed watchdog timer per connection rejects the commands whose
 * deadline has passed (a timer per command measurably slowed the hot path).
 *
 * @module
 */
import { MAX_TIMER_MS } from './target.js';

/** A command in flight, with its deadline (performance.now() clock). */
interface Pending {
  readonly deadline: number;
  readonly reject: (error: Error) => void;
  readonly timeout: () => Error;
}

/** Checks per timeout: a command fails within `timeoutMs * (1 + 1 / CHECKS)`. */
const CHECKS = 4;
/** Shortest watchdog period. */
const MIN_PERIOD_MS = 2;

/**
 * Deadlines of the commands in flight on one connection.
 *
 * @example
 * const deadlines = new Deadlines();
 * const reply = await deadlines.bound(client.ping(), 1000, () => new Error('PING timed out'));
 */
export class Deadlines {
  readonly #pending = new Set<Pending>();
  #timer: NodeJS.Timeout | undefined;
  #period = Number.POSITIVE_INFINITY;

  /** Number of commands being watched. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Settles like `promise`, or rejects with `timeout()` once `timeoutMs` has passed (the
   * command may still settle later: its result is then dropped). `map` turns the value.
   */
  bound<T, R = T>(
    promise: Promise<T>,
    timeoutMs: number,
    timeout: () => Error,
    map?: (value: T) => R,
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const entry: Pending = { deadline: performance.now() + timeoutMs, reject, timeout };
      this.#pending.add(entry);
      this.#arm(timeoutMs);
      promise.then(
        (value) => {
          if (!this.#pending.delete(entry)) return;
          if (!map) {
            resolve(value as unknown as R);
            return;
          }
          try {
            resolve(map(value));
          } catch (error) {
            reject(error);
          }
        },
        (error: unknown) => {
          if (this.#pending.delete(entry)) reject(error);
        },
      );
    });
  }

  /** Rejects every watched command with `error` (the connection is closing) and stops the timer. */
  rejectAll(error: Error): void {
    const pending = [...this.#pending];
    this.#pending.clear();
    this.#stop();
    for (const entry of pending) entry.reject(error);
  }

  #arm(timeoutMs: number): void {
    const period = Math.min(MAX_TIMER_MS, Math.max(MIN_PERIOD_MS, Math.ceil(timeoutMs / CHECKS)));
    if (this.#timer !== undefined && period >= this.#period) return;
    this.#stop();
    this.#period = period;
    this.#timer = setInterval(this.#tick, period);
    this.#timer.unref();
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#period = Number.POSITIVE_INFINITY;
  }

  readonly #tick = (): void => {
    if (this.#pending.size === 0) {
      this.#stop();
      return;
    }
    const now = performance.now();
    for (const entry of this.#pending) {
      if (entry.deadline > now) continue;
      this.#pending.delete(entry);
      entry.reject(entry.timeout());
    }
  };
}
