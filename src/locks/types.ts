/**
 * The contract of a distributed (cross-process) stampede lock.
 *
 * @module
 */

/**
 * A lock held by the caller that acquired it. The `token` proves ownership: only a handle
 * carrying the holder's token can release or extend the lock.
 */
export interface LockHandle {
  /** The key the lock protects, as given to {@link DistributedLock.tryAcquire} (no prefix). */
  readonly key: string;
  /** Random ownership token stored as the lock's value. */
  readonly token: string;
  /**
   * Releases the lock if this handle still holds it, and wakes the processes waiting for it.
   * Idempotent: resolves `false` when the lock was already released, has expired, or is now
   * held by someone else (whose lock is left untouched).
   */
  release(): Promise<boolean>;
  /**
   * Sets the lock's remaining time to live to `ttlMs` if this handle still holds it.
   * Resolves `false` when it does not (released, expired, or taken over).
   */
  extend(ttlMs: number): Promise<boolean>;
}

/**
 * How {@link DistributedLock.waitForRelease} ended:
 *
 * - `'released'`: the holder released the lock (a notification arrived), or no lock existed
 *   when the wait began.
 * - `'expired'`: the lock disappeared without a release notification — its time to live ran
 *   out (its holder died or stalled) — or the lock's store could not be asked (the
 *   implementation documents which). Either way the caller should try to acquire it again.
 * - `'timeout'`: the lock was still held when `timeoutMs` had passed.
 */
export type WaitOutcome = 'released' | 'expired' | 'timeout';

/**
 * A lock shared by every process that talks to the same store, used so that one process
 * (per cluster) computes a missing value while the others wait for it.
 */
export interface DistributedLock {
  /** Short name of the implementation, e.g. `'redis'`. */
  readonly name: string;
  /**
   * One attempt to take the lock for `ttlMs` milliseconds (after which it expires on its own
   * if its holder never releases it).
   * @returns the handle, or `undefined` when someone else holds the lock.
   */
  tryAcquire(key: string, ttlMs: number): Promise<LockHandle | undefined>;
  /**
   * Resolves when the current holder releases the lock (notification), the lock
   * disappears or expires, or `timeoutMs` passes. Never busy-polls.
   * Rejects with `signal.reason` when `signal` aborts.
   */
  waitForRelease(key: string, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome>;
  /** Releases the lock's own resources (connections, timers). Idempotent. */
  close(): Promise<void>;
}
