/**
 * Runtime disabling of cache operations, scoped to an async context (cashews' `disabling`,
 * HTTP `Cache-Control: no-cache`): everything called inside the callback, however deep and
 * through whichever cache or integration, skips the disabled operations.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Operations that can be disabled. `'get'` skips reads (lookups are misses), `'set'` skips writes. */
export type DisableableOp = 'get' | 'set';

const storage = new AsyncLocalStorage<ReadonlySet<DisableableOp>>();

/**
 * Runs `fn` with `ops` disabled for every cache call made inside it (its async context).
 * Nested calls add to the disabled set.
 *
 * @example
 * // a request with `Cache-Control: no-cache`: fresh answers, still stored for others
 * await disabling(['get'], () => handler(req));
 */
export function disabling<T>(ops: readonly DisableableOp[], fn: () => T): T {
  const outer = storage.getStore();
  const set = new Set<DisableableOp>(outer);
  for (const op of ops) set.add(op);
  return storage.run(set, fn);
}

/** Whether `op` is disabled in the current async context. */
export function isDisabled(op: DisableableOp): boolean {
  return storage.getStore()?.has(op) === true;
}
