/**
 * In-process single-flight: concurrent calls for one key share one execution.
 *
 * @module
 */

/** Result of {@link SingleFlight.run}. */
export interface Flight<T> {
  /** Settles with the shared execution's outcome. */
  promise: Promise<T>;
  /** `true` for the caller that started the execution, `false` for those that joined it. */
  leader: boolean;
}

/**
 * Deduplicates concurrent executions by key. The first caller runs `fn`; callers arriving while
 * it runs receive the same promise (its value or its error). The key is released when the
 * execution settles, so later calls run again.
 */
export class SingleFlight<T = unknown> {
  readonly #inFlight = new Map<string, Promise<T>>();

  /** Joins the running execution for `key`, or starts `fn` as its leader. */
  run(key: string, fn: () => Promise<T>): Flight<T> {
    const running = this.#inFlight.get(key);
    if (running) return { promise: running, leader: false };
    let settled = false;
    const promise = (async () => {
      try {
        return await fn();
      } finally {
        settled = true;
        this.#inFlight.delete(key);
      }
    })();
    // A producer that throws synchronously has already settled: do not register it.
    if (!settled) this.#inFlight.set(key, promise);
    return { promise, leader: true };
  }

  /** Whether an execution for `key` is running. */
  has(key: string): boolean {
    return this.#inFlight.has(key);
  }

  /** Number of running executions. */
  get size(): number {
    return this.#inFlight.size;
  }
}
