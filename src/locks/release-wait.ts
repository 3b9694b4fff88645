/**
 * Waiting for a Redis lock to be released: the local waiters of each lock key (woken by the
 * release messages of the lock's channel) and the wait itself — register, look at the key's
 * `PTTL`, then sleep until the release message, until the lock would have expired (then look
 * again), or until the timeout.
 *
 * @module
 */
import { InfrastructureError } from '../errors.js';
import { MAX_TIMER_MS } from '../redis/target.js';
import type { WaitOutcome } from './types.js';

/** Added to a lock's PTTL before looking again, so that the key has really expired by then. */
export const EXPIRY_MARGIN_MS = 10;

/** Something a waiter registered for one key can be told. */
export interface Waiter {
  /** A release of its key was announced. */
  notify(): void;
  /** Notifications may have been missed (the subscriber reconnected): look at the key again. */
  recheck(): void;
  /** The lock is closing. */
  abandon(): void;
}

/** The waiters of each lock key. */
export class WaiterRegistry {
  readonly #waiters = new Map<string, Set<Waiter>>();

  /** Number of registered waiters (all keys). */
  get size(): number {
    let count = 0;
    for (const waiters of this.#waiters.values()) count += waiters.size;
    return count;
  }

  add(fullKey: string, waiter: Waiter): void {
    let waiters = this.#waiters.get(fullKey);
    if (!waiters) {
      waiters = new Set();
      this.#waiters.set(fullKey, waiters);
    }
    waiters.add(waiter);
  }

  remove(fullKey: string, waiter: Waiter): void {
    const waiters = this.#waiters.get(fullKey);
    if (!waiters) return;
    waiters.delete(waiter);
    if (waiters.size === 0) this.#waiters.delete(fullKey);
  }

  /** Tells the waiters of `fullKey` that it was released. */
  notify(fullKey: string): void {
    const waiters = this.#waiters.get(fullKey);
    if (!waiters) return;
    for (const waiter of [...waiters]) waiter.notify();
  }

  /** Tells every waiter to look at its key again. */
  recheckAll(): void {
    for (const waiter of this.#all()) waiter.recheck();
  }

  /** Tells every waiter that the lock is closing. */
  abandonAll(): void {
    for (const waiter of this.#all()) waiter.abandon();
  }

  #all(): Waiter[] {
    return [...this.#waiters.values()].flatMap((waiters) => [...waiters]);
  }
}

/** What a wait needs from its lock. */
export interface WaitContext {
  readonly waiters: WaiterRegistry;
  /** Upper bound of one command, in milliseconds. */
  readonly commandTimeoutMs: number;
  /** Why nothing can be asked now (the connection's breaker is open), or `undefined`. */
  refusal(fullKey: string): Error | undefined;
  /** Resolves once the lock's channel is subscribed, within `timeoutMs`. */
  whenSubscribed(timeoutMs: number): Promise<void>;
  /** The subscription failure as the lock reports it. */
  subscribeError(error: unknown): Error;
  /** The key's `PTTL` (bounded by the command deadline). */
  pttl(fullKey: string): Promise<number>;
  /** Receives the failures that end a wait early. */
  report(error: unknown): void;
}

/**
 * Waits for the release of `fullKey`: `'released'` on its release message or when the first
 * look finds no key, `'expired'` when a later look finds none (or Redis cannot be asked),
 * `'timeout'` after `timeoutMs`; rejects with the signal's reason when `signal` aborts.
 */
export function waitForRelease(
  context: WaitContext,
  fullKey: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<WaitOutcome> {
  const deadline = performance.now() + timeoutMs;
  return new Promise<WaitOutcome>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let checks = 0;

    const cleanup = (): void => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      context.waiters.remove(fullKey, waiter);
    };
    const finish = (outcome: WaitOutcome): void => {
      if (settled) return;
      cleanup();
      resolve(outcome);
    };
    const onAbort = (): void => {
      if (settled) return;
      cleanup();
      reject(signal?.reason);
    };
    const fail = (error: unknown): void => {
      if (settled) return;
      context.report(error);
      finish('expired');
    };

    /** Reads the lock's PTTL and either settles or sleeps until it would have expired. */
    const check = async (): Promise<void> => {
      clearTimeout(timer);
      timer = undefined;
      if (settled) return;
      const first = checks++ === 0;
      let pttl: number;
      try {
        pttl = await context.pttl(fullKey);
      } catch (error) {
        fail(error);
        return;
      }
      if (settled) return;
      // -2: no such key. The first look finding nothing means it was released before (or
      // while) we started; a later one means it vanished without a notification.
      if (pttl === -2) {
        finish(first ? 'released' : 'expired');
        return;
      }
      const remaining = deadline - performance.now();
      if (remaining < 1) {
        finish('timeout');
        return;
      }
      // -1: a key without expiry (not one of ours): only a notification or the timeout ends it.
      const delay = pttl >= 0 ? Math.min(pttl + EXPIRY_MARGIN_MS, remaining) : remaining;
      clearTimeout(timer);
      timer = setTimeout(() => void check(), Math.min(Math.ceil(delay), MAX_TIMER_MS));
    };

    const waiter: Waiter = {
      notify: () => finish('released'),
      recheck: () => void check(),
      abandon: () => finish('expired'),
    };

    signal?.addEventListener('abort', onAbort, { once: true });
    // Register before looking at the key, so that a release racing with the first PTTL is
    // not missed; and be subscribed before that PTTL for the same reason.
    context.waiters.add(fullKey, waiter);
    const start = async (): Promise<void> => {
      const refusal = context.refusal(fullKey);
      if (refusal) {
        // The connection's breaker is open: nothing to ask; the caller's acquire fails fast too.
        fail(refusal);
        return;
      }
      const remaining = Math.max(0, deadline - performance.now());
      const bound = Math.min(context.commandTimeoutMs, remaining);
      try {
        await context.whenSubscribed(Math.max(1, bound));
      } catch (error) {
        const timedOut = error instanceof InfrastructureError && error.context.reason === 'timeout';
        // The deadline of the wait came first: look once (the last look) instead of failing.
        if (!timedOut || bound >= context.commandTimeoutMs) {
          fail(context.subscribeError(error));
          return;
        }
      }
      if (settled) return;
      await check();
    };
    void start();
  });
}
