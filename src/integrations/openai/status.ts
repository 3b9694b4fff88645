/**
 * `cacheStatus(result)`: how a result of the wrapped client was obtained, kept beside the
 * result (a WeakMap) so that its shape is untouched.
 *
 * @module
 */
import type { CacheStatus } from './types.js';

const statuses = new WeakMap<object, CacheStatus>();

/**
 * How `result` (a value returned by a wrapped `create`, a stream included) was obtained, or
 * `undefined` for values that did not come from a wrapped client.
 *
 * @example
 * const completion = await openai.chat.completions.create(params);
 * cacheStatus(completion); // 'hit' | 'miss' | 'coalesced' | 'bypass'
 */
export function cacheStatus(result: unknown): CacheStatus | undefined {
  return typeof result === 'object' && result !== null ? statuses.get(result) : undefined;
}

/** Records the status of `result` (objects only) and returns it. */
export function markStatus<T>(result: T, status: CacheStatus): T {
  if (typeof result === 'object' && result !== null) statuses.set(result, status);
  return result;
}
