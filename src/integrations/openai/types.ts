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
import type { AIResponseCache, Ttl, TtlSetting } from '../../index.js';

/** The cached endpoints. */
export type Endpoint = 'chat.completions' | 'embeddings' | 'responses';

/**
 * How a result was obtained, read with `cacheStatus(result)`:
 *
 * - `'hit'`: answered from the cache;
 * - `'miss'`: this call went upstream (its answer is stored when cacheable);
 * - `'coalesced'`: an identical call in flight (in this process, or in another process holding
 *   the distributed lock) produced the answer, this call waited for it instead of calling upstream;
 * - `'bypass'`: the cache was not used (`shouldCache` said no, streaming disabled, or a request
 *   kind that is never cached);
 * - `'stale'`: reserved for answers served past their TTL (not produced by this version).
 */
export type CacheStatus = 'hit' | 'miss' | 'stale' | 'coalesced' | 'bypass';

/** Per-call cache options, passed as `create(params, { cache: { ... } })`. */
export interface PerCallCacheOptions {
  /** Do not read the cache: this call goes upstream (its answer is still stored unless `noStore`). */
  noCache?: boolean;
  /** Do not store this call's answer (a cached answer is still served). */
  noStore?: boolean;
  /**
   * Replace the stored answer: the entry is removed, the call goes upstream and its answer is
   * stored (unless `noStore`). Unlike `noCache`, the old entry is gone even when the new answer
   * turns out not to be cacheable.
   */
  forceRefresh?: boolean;
  /** TTL of the answer stored by this call (overrides the wrapper's and the operation's TTL). */
  ttl?: Ttl;
  /**
   * Isolates entries (e.g. per tenant): part of the key (hashed with the request options), so
   * identical requests in different namespaces never share an answer. Operation TTLs and
   * per-operation statistics are shared across namespaces.
   */
  namespace?: string;
}

/** Distributed lock settings (used when the `AIResponseCache` has a lock, i.e. with Redis). */
export interface LockSettings {
  /** How long the lock lives if its holder dies. @default '30s' */
  ttl?: Ttl;
  /** How long a waiter waits for the holder's answer. @default '10s' */
  wait?: Ttl;
  /** After `wait`: call upstream anyway (`'proceed'`) or throw `LockTimeoutError`. @default 'proceed' */
  onTimeout?: 'proceed' | 'throw';
}

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
  /** TTL of stored answers; overrides the cache's operation TTLs (a per-call `ttl` overrides it). */
  ttl?: TtlSetting;
  /** Distributed lock settings, or `false` to never use the cache's lock. */
  lock?: LockSettings | false;
  /** Cache streaming calls (`stream: true`). @default true */
  streams?: boolean;
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
   * upstream call).
   */
  isCacheable?: (result: unknown, context: RequestContext) => boolean;
  /**
   * Receives failures of the cache path that the wrapper absorbed (lock errors, failed writes,
   * throwing callbacks). They are also `error` events of the `AIResponseCache` (`ai.on('error')`),
   * like its own backend failures; those events are rate-limited per kind, this hook is not (it
   * gets every absorbed failure of the wrapper: keep it cheap, or listen to the events instead).
   * Failures inside the cache itself (a backend down) reach only the events.
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
