/**
 * Public types of the openai integration (`ai-response-cache/openai`).
 *
 * @module
 */
import type { APIPromise, OpenAI } from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from 'openai/resources/embeddings';
import type {
  Response as OpenAIResponse,
  ResponseCreateParamsBase,
  ResponseCreateParamsNonStreaming,
  ResponseCreateParamsStreaming,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses';
import type { Stream } from 'openai/streaming';
import type {
  AIResponseCache,
  LockSettings,
  PerCallCacheOptions,
  SamplingPolicy,
  TtlSetting,
} from '../../index.js';

/** The cached endpoints. */
export type Endpoint = 'chat.completions' | 'embeddings' | 'responses';

// How a result was obtained, the per-call options and the lock settings are the call path's.
export type { CacheStatus, LockSettings, PerCallCacheOptions } from '../../index.js';

/** Context handed to `operation`, `shouldCache` and `isCacheable`. */
export interface RequestContext {
  endpoint: Endpoint;
  /** The request body as the caller wrote it. */
  params: Readonly<Record<string, unknown>>;
}

/** Options of `withCache`. */
export interface WithCacheOptions {
  /** Where answers are stored. Its `lock` (present with Redis) coordinates processes. */
  cache: AIResponseCache;
  /**
   * Operation name of a request: selects the TTL (`operationTtls`) and the statistics slice.
   * A string, or a function of the request (returning `undefined` falls back to the default).
   * No `:` allowed. @default `'chat'`, `'embeddings'` or `'responses'` by endpoint
   */
  operation?: string | ((context: RequestContext) => string | undefined);
  /**
   * TTL of stored answers; overrides the cache's operation TTLs (a per-call `ttl` overrides it).
   * @default the cache's `operationTtls[operation]`, else its `defaultTtl`
   */
  ttl?: TtlSetting;
  /**
   * Distributed lock settings, or `false` to never use the cache's lock (which exists with
   * Redis). @default { ttl: '30s', wait: '10s', onTimeout: 'proceed' }
   */
  lock?: LockSettings | false;
  /** Cache streaming calls (`stream: true`). @default true */
  streams?: boolean;
  /**
   * Requests whose answers vary (`temperature` > 0 — the API's default is 1 — or `n` > 1):
   * `'first'` caches the first answer and serves it to every identical request; `'bypass'`
   * never caches them; `{ bucket: N }` keeps up to N answers per request, served in turn.
   * A per-call `cache.sampling` overrides it. @default 'first'
   */
  sampling?: SamplingPolicy;
  /**
   * Extra key material shared by every call. @default the client's base URL (origin and path,
   * never credentials), so that two providers serving one model name never share an answer
   */
  scope?: unknown;
  /**
   * A consumer that stops reading a stream at its finish chunk leaves the rest to be read in the
   * background and stored: how long and how many chunks at most.
   * @default { timeoutMs: 10000, maxChunks: 10000 }
   */
  drain?: {
    /** Longest background read of the rest of the stream, in milliseconds. @default 10000 */
    timeoutMs?: number;
    /** Most chunks the whole stream may have for the rest to be read. @default 10000 */
    maxChunks?: number;
  };
  /** Return `false` to leave a request uncached (status `'bypass'`). @default always cache */
  shouldCache?: (context: RequestContext) => boolean;
  /**
   * Chat finish reasons whose answers are stored. @default ['stop', 'tool_calls', 'function_call']
   * (so `'length'`-truncated and `'content_filter'` answers are not).
   */
  cacheFinishReasons?: readonly string[];
  /**
   * Replaces the built-in "is this answer worth storing" check. Receives the complete answer
   * (for streams: the answer assembled from the chunks; for embeddings: the response of the
   * upstream call). @default the built-in check (complete, non-empty, a stored finish reason)
   */
  isCacheable?: (result: unknown, context: RequestContext) => boolean;
  /**
   * Receives failures of the cache path that the wrapper absorbed (lock errors, failed writes,
   * throwing callbacks). They are also `error` events of the `AIResponseCache` (`ai.on('error')`),
   * like its own backend failures; those events are rate-limited per kind, this hook is not (it
   * gets every absorbed failure of the wrapper: keep it cheap, or listen to the events instead).
   * Failures inside the cache itself (a backend down) reach only the events. @default none
   */
  onError?: (error: Error) => void;
}

/** The minimal shape of a client `withCache` can wrap (the `openai` client, v5 or later). */
export interface OpenAILike {
  chat: { completions: { create(body: never, options?: never): unknown } };
  embeddings: { create(body: never, options?: never): unknown };
}

/** The request options of the openai client. */
export type RequestOptions = NonNullable<Parameters<OpenAI['embeddings']['create']>[1]>;

/** Request options plus the per-call `cache` options. */
export type CachedRequestOptions = RequestOptions & { cache?: PerCallCacheOptions };

/** `chat.completions.create` overloads accepting `{ cache }`. */
export interface ChatCreateWithCache {
  create(
    body: ChatCompletionCreateParamsNonStreaming,
    options: CachedRequestOptions,
  ): APIPromise<ChatCompletion>;
  create(
    body: ChatCompletionCreateParamsStreaming,
    options: CachedRequestOptions,
  ): APIPromise<Stream<ChatCompletionChunk>>;
  create(
    body: ChatCompletionCreateParamsBase,
    options: CachedRequestOptions,
  ): APIPromise<Stream<ChatCompletionChunk> | ChatCompletion>;
}

/** `embeddings.create` overload accepting `{ cache }`. */
export interface EmbeddingsCreateWithCache {
  create(body: EmbeddingCreateParams, options: CachedRequestOptions): APIPromise<CreateEmbeddingResponse>;
}

/** `responses.create` overloads accepting `{ cache }`. */
export interface ResponsesCreateWithCache {
  create(body: ResponseCreateParamsNonStreaming, options: CachedRequestOptions): APIPromise<OpenAIResponse>;
  create(
    body: ResponseCreateParamsStreaming,
    options: CachedRequestOptions,
  ): APIPromise<Stream<ResponseStreamEvent>>;
  create(
    body: ResponseCreateParamsBase,
    options: CachedRequestOptions,
  ): APIPromise<Stream<ResponseStreamEvent> | OpenAIResponse>;
}

/**
 * The type of a wrapped client: the client's own type `T` (every member, overload and return
 * type unchanged) plus overloads of the cached `create` methods that accept the per-call
 * `{ cache }` option. `T` and `CachedOpenAI<T>` are assignable to each other.
 */
export type CachedOpenAI<T> = T &
  (T extends { chat: { completions: unknown } } ? { chat: { completions: ChatCreateWithCache } } : unknown) &
  (T extends { embeddings: unknown } ? { embeddings: EmbeddingsCreateWithCache } : unknown) &
  (T extends { responses: unknown } ? { responses: ResponsesCreateWithCache } : unknown);
