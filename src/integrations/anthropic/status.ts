/**
 * `cacheStatus(result)`: how a result of the wrapped client was obtained, kept beside the result
 * (a WeakMap) so that its shape is untouched. Local to this integration until the core exports
 * one status registry for every integration.
 *
 * @module
 */
import type { CacheStatus } from '../../index.js';

const statuses = new WeakMap<object, CacheStatus>();

/**
 * How `result` was obtained: a `Message` or `Stream` returned by the wrapped
 * `messages.create`, the `MessageStream` of `messages.stream()` (once it connected) or its
 * final message; `undefined` for anything else.
 *
 * @example
 * const message = await anthropic.messages.create(params);
 * cacheStatus(message); // 'hit' | 'miss' | 'coalesced' | 'bypass'
 */
export function cacheStatus(result: unknown): CacheStatus | undefined {
  return typeof result === 'object' && result !== null ? statuses.get(result) : undefined;
}

/** Records the status of `result` (objects only) and returns it. */
export function markStatus<T>(result: T, status: CacheStatus): T {
  if (typeof result === 'object' && result !== null) statuses.set(result, status);
  return result;
}
