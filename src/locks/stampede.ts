/**
 * Cross-process stampede protection: one producer per key across every process sharing a
 * {@link DistributedLock}, the others waiting (woken by the lock, not polling) and reading what
 * the producer stored.
 *
 * Used by `Cache.getOrSet({ lock })` and by the openai wrapper. In-process deduplication
 * ({@link SingleFlight}) happens before this, so only one caller per process reaches the lock.
 *
 * @module
 */
import { LockTimeoutError, toError } from '../errors.js';
import type { DistributedLock, LockHandle } from './types.js';

/** Lock settings of a stampede-protected lookup. */
export interface StampedeLockOptions {
  /** How long the lock lives if its holder dies (milliseconds). @default 30000 */
  ttlMs?: number;
  /** How long a waiter waits for the holder before giving up (milliseconds). @default 10000 */
  waitMs?: number;
  /** What a waiter does after `waitMs`: call the producer itself (fail-open) or throw `LockTimeoutError`. @default 'proceed' */
  onTimeout?: 'proceed' | 'throw';
}

/** Arguments of {@link produceOnce}. */
export interface ProduceOnceArgs<T> extends StampedeLockOptions {
  lock: DistributedLock;
  /** The lock key (usually the cache key). */
  key: string;
  /** Reads what another process may have stored meanwhile; `undefined` when nothing is there. */
  recheck: () => Promise<T | undefined>;
  /** Produces AND stores the value (it must be readable by `recheck` before this resolves). */
  produce: () => Promise<T>;
  /** Receives lock infrastructure failures (the call then proceeds without the lock). */
  onLockError?: (error: Error) => void;
  /** Clock for the wait deadline. @default performance.now */
  now?: () => number;
}

/** Outcome of {@link produceOnce}: the value and whether this process produced it. */
export interface ProduceOnceResult<T> {
  value: T;
  /** `'produced'`: this call ran the producer; `'coalesced'`: another process did. */
  source: 'produced' | 'coalesced';
  /** Whether the producer ran without the lock (lock unavailable or wait timed out). */
  unlocked: boolean;
}

/**
 * Runs `produce` under the distributed lock for `key`, unless another process produces first.
 * Lock failures never fail the call: it proceeds without the lock and reports them.
 */
export async function produceOnce<T>(args: ProduceOnceArgs<T>): Promise<ProduceOnceResult<T>> {
  const { lock, key, recheck, produce } = args;
  const ttlMs = args.ttlMs ?? 30_000;
  const waitMs = args.waitMs ?? 10_000;
  const now = args.now ?? (() => performance.now());
  const deadline = now() + waitMs;
  const unlocked = async (): Promise<ProduceOnceResult<T>> => ({
    value: await produce(),
    source: 'produced',
    unlocked: true,
  });

  for (;;) {
    let handle: LockHandle | undefined;
    try {
      handle = await lock.tryAcquire(key, ttlMs);
    } catch (error) {
      args.onLockError?.(toError(error));
      return unlocked();
    }
    if (handle) {
      try {
        // Someone may have stored the value between our miss and our lock.
        const stored = await recheck();
        if (stored !== undefined) return { value: stored, source: 'coalesced', unlocked: false };
        return { value: await produce(), source: 'produced', unlocked: false };
      } finally {
        handle.release().catch((error: unknown) => args.onLockError?.(toError(error)));
      }
    }
    const remaining = deadline - now();
    const outcome = remaining > 0 ? await lock.waitForRelease(key, remaining) : 'timeout';
    const stored = await recheck();
    if (stored !== undefined) return { value: stored, source: 'coalesced', unlocked: false };
    if (outcome === 'timeout' || deadline - now() <= 0) {
      if (args.onTimeout === 'throw') {
        throw new LockTimeoutError(`Timed out after ${waitMs} ms waiting for the lock on ${key}`, {
          context: { key, waitMs },
        });
      }
      return unlocked();
    }
    // Released without a stored value (the holder failed) or expired (the holder died): try again.
  }
}
