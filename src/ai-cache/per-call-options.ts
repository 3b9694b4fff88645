/**
 * The runtime check of the per-call cache options of the LLM call path
 * ({@link PerCallCacheOptions}, e.g. openai's `{ cache: { ttl, noStore } }` request option):
 * unknown keys are a `ValidationError` with the configuration schema's "did you mean" hint.
 *
 * @module
 */
import { checkOptionKeys, keyList } from '../cache/options-check.js';
import type { PerCallCacheOptions } from './call/types.js';

/** Keys of {@link PerCallCacheOptions}. */
export const PER_CALL_OPTION_KEYS = keyList<PerCallCacheOptions>({
  noCache: true,
  noStore: true,
  forceRefresh: true,
  ttl: true,
  namespace: true,
  sampling: true,
});

/**
 * Throws a `ValidationError` listing every unknown key of `options` (with a hint), before
 * anything is read or written; anything that is not an object passes (shapes are checked by
 * the caller).
 *
 * @throws {ValidationError} for unknown keys.
 */
export function checkPerCallOptions(options: unknown, what = 'per-call cache options'): void {
  checkOptionKeys(options, PER_CALL_OPTION_KEYS, what);
}
