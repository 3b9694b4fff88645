/**
 * `ai-response-cache/langchain`: LangChain.js on an {@link AIResponseCache}.
 *
 * - {@link LangChainCache}: a `BaseCache` for chat models and LLMs (`cache:` option), keeping
 *   the whole generation;
 * - {@link CachedEmbeddings}: any `Embeddings`, cached per input (only the misses are sent).
 *
 * ```ts
 * import { AIResponseCache } from 'ai-response-cache';
 * import { CachedEmbeddings, LangChainCache } from 'ai-response-cache/langchain';
 *
 * const ai = new AIResponseCache({ redisUrl: process.env.REDIS_URL });
 * const model = new ChatOpenAI({ model: 'gpt-4o-mini', cache: new LangChainCache(ai) });
 * const embeddings = new CachedEmbeddings(new OpenAIEmbeddings(), ai);
 * ```
 *
 * @module
 */
export type { ContentKeyOption, LangChainCacheOptions } from './cache.js';
export { CONTENT_KEY_OPTION, contentKey, LangChainCache, UNKEYED_CONTENT_MARKERS } from './cache.js';
export type { CachedEmbeddingsOptions, EmbeddingInput } from './embeddings.js';
export { CachedEmbeddings, modelIdentity } from './embeddings.js';
export type {
  StoredGenerations,
  StoredLangChainGeneration,
  StoredLangChainMessage,
} from './generations.js';
export { isStoredGenerations, reviveGenerations, storeGenerations } from './generations.js';
