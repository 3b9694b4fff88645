/**
 * `ai-response-cache/anthropic`: response caching for the official `@anthropic-ai/sdk` client.
 *
 * ```ts
 * import Anthropic from '@anthropic-ai/sdk';
 * import { AIResponseCache } from 'ai-response-cache';
 * import { cacheStatus, withCache } from 'ai-response-cache/anthropic';
 *
 * const anthropic = withCache(new Anthropic(), { cache: new AIResponseCache({ redisUrl: process.env.REDIS_URL }) });
 * const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages });
 * cacheStatus(message); // 'miss', then 'hit'
 * ```
 *
 * @module
 */

/** How a result was obtained (the core's `cacheStatus`, shared by every integration). */
export { cacheStatus } from '../../index.js';
export type { AnthropicCodec, AnthropicCodecOptions } from './codec.js';
export { anthropicCodec, DEFAULT_STORED_STOP_REASONS, usageOf } from './codec.js';
export { assembleMessage, replayEvents, restreamEvents, streamComplete } from './events.js';
export type { AnthropicRequest } from './keys.js';
export { EXCLUDED_REQUEST_FIELDS, STATEFUL_TOOL_PREFIXES } from './keys.js';
export { CachedAPIPromise, type WithResponse } from './promise.js';
export type {
  AnthropicLike,
  CachedAnthropic,
  CachedRequestOptions,
  MessagesWithCache,
  RequestOptions,
  WithCacheOptions,
} from './types.js';
export { withCache } from './wrapper.js';
