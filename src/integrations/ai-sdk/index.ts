/**
 * `ai-response-cache/ai-sdk`: response caching for the Vercel AI SDK (`ai` 5, 6 and 7), as a
 * language-model middleware, and cached agent tools.
 *
 * ```ts
 * import { generateText, wrapLanguageModel } from 'ai';
 * import { AIResponseCache } from 'ai-response-cache';
 * import { cacheMiddleware } from 'ai-response-cache/ai-sdk';
 *
 * const ai = new AIResponseCache({ redisUrl: process.env.REDIS_URL });
 * const model = wrapLanguageModel({ model: openai('gpt-4o-mini'), middleware: cacheMiddleware(ai) });
 * const { text, providerMetadata } = await generateText({ model, prompt: 'Hello' });
 * providerMetadata?.['ai-response-cache']; // { status: 'miss' }, then { status: 'hit', ... }
 * ```
 *
 * Nothing here imports `ai` or `@ai-sdk/provider`: the specification types are structural.
 *
 * @module
 */
export { EXCLUDED_PARAMS } from './codec.js';
export { cacheMiddleware } from './middleware.js';
export type {
  CachedToolOptions,
  CacheToolOptions,
  ExecutableTool,
  ToolExecuteOptionsLike,
  ToolInput,
} from './tool.js';
export { cachedTool, cacheTool } from './tool.js';
export type {
  AISdkPerCallOptions,
  CacheMiddleware,
  CacheMiddlewareOptions,
  CacheProviderMetadata,
  CallOptionsLike,
  GenerateResultLike,
  LanguageModelLike,
  MiddlewareVersion,
  ReplayPacing,
  StreamPartLike,
  StreamResultLike,
} from './types.js';
export { PROVIDER_KEY } from './types.js';
