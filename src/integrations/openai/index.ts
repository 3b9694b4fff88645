/**
 * `ai-response-cache/openai`: response caching for the official `openai` client.
 *
 * ```ts
 * import OpenAI from 'openai';
 * import { AIResponseCache } from 'ai-response-cache';
 * import { cacheStatus, withCache } from 'ai-response-cache/openai';
 *
 * const openai = withCache(new OpenAI(), { cache: new AIResponseCache({ redisUrl: process.env.REDIS_URL }) });
 * const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
 * cacheStatus(completion); // 'miss', then 'hit'
 * ```
 *
 * @module
 */
export { DEFAULT_CACHE_FINISH_REASONS } from './answers.js';
export { DEFAULT_OPERATIONS, EXCLUDED_REQUEST_FIELDS } from './keys.js';
export { CachedAPIPromise, type WithResponse } from './promise.js';
export { cacheStatus } from './status.js';
export type {
  CachedOpenAI,
  CachedRequestOptions,
  CacheStatus,
  ChatCreateWithCache,
  EmbeddingsCreateWithCache,
  Endpoint,
  LockSettings,
  OpenAILike,
  PerCallCacheOptions,
  RequestContext,
  RequestOptions,
  ResponsesCreateWithCache,
  WithCacheOptions,
} from './types.js';
export { withCache } from './wrapper.js';
