/**
 * `cacheStatus(result)`: how a result of a cached call was obtained, kept beside the result (a
 * WeakMap) so that its shape is untouched. Shared by every integration.
 *
 * @module
 */
import type { CacheStatus } from './types.js';

const statuses = new WeakMap<object, CacheStatus>();

/**
 * How `result` (a value returned by a cached client call, a stream included) was obtained, or
 * `undefined` for values that did not come from one.
 *
 * @example
 * const completion = await openai.chat.completions.create(params);
 * cacheStatus(completion); // 'hit' | 'miss' | 'coalesced' | 'stale' | 'bypass'
 */
export function cacheStatus(result: unknown): CacheStatus | undefined {
  return typeof result === 'object' && result !== null ? statuses.get(result) : undefined;
}

/** Records the status of `result` (objects only) and returns it. */
export function markStatus<T>(result: T, status: CacheStatus): T {
  if (typeof result === 'object' && result !== null) statuses.set(result, status);
  return result;
}
