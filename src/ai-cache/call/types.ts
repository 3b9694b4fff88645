/**
 * The provider-neutral LLM call path: the public types.
 *
 * An integration (openai, Anthropic, the AI SDK, LangChain, or a user's own `fetch` client)
 * describes its provider once, as a {@link ProviderCodec}, and drives every call through a
 * {@link CallPath}: `prepare(request)` validates and keys the request once, `resolve(prepared,
 * producer, { stream })` answers it (L1/L2 lookup, in-process single-flight, the cross-process
 * lock, live fan-out of a stream to identical concurrent requests, record and replay, savings and
 * the {@link CacheStatus}).
 *
 * @module
 */

import type { Ttl } from '../../cache/ttl.js';
import type { AIResponseCache, ResponseMeta, ResponseUsage, TtlSetting } from '../ai-response-cache.js';

/**
 * How a result was obtained:
 * - `'hit'`: read from the cache;
 * - `'miss'`: this call went upstream (and stored the answer when it was cacheable);
 * - `'coalesced'`: shared with an identical concurrent call (in this process, or in another one
 *   holding the cross-process lock) without an upstream call of its own;
 * - `'stale'`: served past its TTL (not produced by this version);
 * - `'bypass'`: the cache was not consulted (a kind of request that is never cached).
 */
export type CacheStatus = 'hit' | 'miss' | 'stale' | 'coalesced' | 'bypass';

/** Per-call cache options (an integration takes them from its request options). */
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
  /** TTL of the answer stored by this call (overrides the path's and the operation's TTL). */
  ttl?: Ttl;
  /**
   * Isolates entries (e.g. per tenant): part of the key, so identical requests in different
   * namespaces never share an answer.
   */
  namespace?: string;
  /** This call's {@link SamplingPolicy} (overrides the path's). */
  sampling?: SamplingPolicy;
}

/** Cross-process lock settings (used when the `AIResponseCache` has a lock, i.e. with Redis). */
export interface LockSettings {
  /** How long the lock lives if its holder dies. @default '30s' */
  ttl?: Ttl;
  /** How long a waiter waits for the holder's answer. @default '10s' */
  wait?: Ttl;
  /** After `wait`: call upstream anyway (`'proceed'`) or throw `LockTimeoutError`. @default 'proceed' */
  onTimeout?: 'proceed' | 'throw';
}

/**
 * What to do with a request whose answers vary from call to call (the codec's `sampled()`
 * says which: for openai `temperature > 0`, `top_p < 1` or `n > 1`):
 * - `'first'`: cache the first answer and serve it to every identical request (the default;
 *   identical to how deterministic requests are treated);
 * - `'bypass'`: never cache such requests (status `'bypass'`);
 * - `{ bucket: N }`: keep up to N answers per request and serve them in turn (each of the first
 *   N identical requests goes upstream and fills one slot; later ones rotate over the slots).
 * @default 'first'
 */
export type SamplingPolicy =
  | 'first'
  | 'bypass'
  | {
      /** How many answers to keep per request (and serve in turn), at least 1. */
      bucket: number;
    };

/**
 * What an integration tells the call path about one provider. Every member but `name` and
 * `keyMaterial` is optional; a codec without `assemble`/`replay` serves streams only to stream
 * callers and JSON answers only to JSON callers (and keys the two apart).
 *
 * @typeParam Request - the request as the integration receives it (e.g. openai's body)
 * @typeParam Answer - a complete JSON answer (e.g. a `ChatCompletion`); must be JSON data
 * @typeParam Chunk - one stream chunk or event (e.g. a `ChatCompletionChunk`); must be JSON data
 */
export interface ProviderCodec<Request, Answer, Chunk = never> {
  /** Short provider name (`'openai'`, `'anthropic'`, ...): part of every key and lock name. */
  readonly name: string;
  /**
   * Every answer-relevant part of a request, and nothing else: no credentials, headers, abort
   * signals, user ids or stream options. Hashed (sha256) into the key: it never appears in a key,
   * an event or a log line. Must be JSON data. Throwing (or returning `undefined`) sends the call upstream uncached.
   */
  keyMaterial(request: Request): unknown;
  /** The default operation name of a request (selects `operationTtls` and the stats slice). @default codec.name */
  operation?(request: Request): string;
  /** Why a request is never cached (`undefined`: it may be). Such calls get status `'bypass'`. */
  bypass?(request: Request): string | undefined;
  /** Whether the request's answers vary from call to call (see {@link SamplingPolicy}). @default never */
  sampled?(request: Request): boolean;
  /** Whether a complete answer may be stored (not an error, not truncated, ...). @default true */
  storable?(answer: Answer, request: Request): boolean;
  /** The answer a complete stream makes, or `undefined` when the chunks do not make one. */
  assemble?(chunks: readonly Chunk[], request: Request): Answer | undefined;
  /** The stream the API would have sent for `answer` (a JSON entry served to a stream caller). */
  replay?(answer: Answer, request: Request): Chunk[];
  /**
   * A recorded stream adapted to another caller of the same entry (e.g. a usage chunk dropped
   * or added by the caller's stream options, which are not part of the key). @default the chunks
   */
  restream?(chunks: readonly Chunk[], request: Request): Chunk[];
  /**
   * Whether the chunks so far hold the complete answer but for its tail (usage, a terminal
   * event): a consumer that stops reading then still leaves a cached answer, the rest of the
   * upstream stream being read in the background (bounded). @default never
   */
  complete?(chunks: readonly Chunk[], request: Request): boolean;
  /** The token usage of an answer (for savings). */
  usage?(answer: Answer): ResponseUsage | undefined;
  /** The model that produced an answer (for prices). */
  model?(answer: Answer, request: Request): string | undefined;
}

/** Options of {@link createCallPath}. */
export interface CallPathOptions<Request> {
  /** Where answers are stored. Its `lock` (present with Redis) coordinates processes. */
  cache: AIResponseCache;
  /**
   * Operation name of a request (no `:`): a string, or a function of the request (returning
   * `undefined` falls back to the codec's). @default the codec's `operation()`, else its name
   */
  operation?: string | ((request: Request) => string | undefined);
  /**
   * TTL of stored answers; overrides the cache's operation TTLs (a per-call `ttl` overrides it).
   * @default the cache's `operationTtls[operation]`, else its `defaultTtl`
   */
  ttl?: TtlSetting;
  /**
   * Cross-process lock settings, or `false` to never use the cache's lock (which exists with
   * Redis). @default { ttl: '30s', wait: '10s', onTimeout: 'proceed' }
   */
  lock?: LockSettings | false;
  /** Cache streaming calls. @default true */
  streams?: boolean;
  /** Return `false` to leave a request uncached (status `'bypass'`). @default always cache */
  shouldCache?: (request: Request) => boolean;
  /** Replaces the codec's `storable()`. @default the codec's `storable()` */
  isCacheable?: (answer: unknown, request: Request) => boolean;
  /** See {@link SamplingPolicy}. @default 'first' */
  sampling?: SamplingPolicy;
  /**
   * Extra key material shared by every call (e.g. the client's base URL, so that two providers
   * serving the same model name never share an answer). Hashed with the request's.
   * @default none
   */
  scope?: unknown;
  /**
   * Receives failures of the cache path that were absorbed (lock errors, failed writes, throwing
   * callbacks); they are also `error` events of the cache. @default none
   */
  onError?: (error: Error) => void;
  /**
   * A consumer that stops reading a complete stream (see `complete()`): how long, and how many
   * chunks in all, the rest is read in the background to be stored.
   * @default { timeoutMs: 10000, maxChunks: 10000 }
   */
  drain?: {
    /** Longest background read of the rest of the stream, in milliseconds. @default 10000 */
    timeoutMs?: number;
    /** Most chunks the whole stream may have for the rest to be read. @default 10000 */
    maxChunks?: number;
  };
}

/** A validated, keyed request, from {@link CallPath.prepare}; hand it to `resolve`. */
export interface PreparedCall<Request> {
  readonly request: Request;
  readonly perCall: Readonly<PerCallCacheOptions>;
  /** Why the call bypasses the cache (then `resolve` only calls the producer). */
  readonly bypass: string | undefined;
  /** The full cache key (`undefined` when bypassed). */
  readonly key: string | undefined;
  readonly operation: string;
}

/** What a producer returns besides the answer (kept for the leader of a miss, e.g. a `Response`). */
export interface Produced<T> {
  value: T;
  /** Anything the integration wants back on its own miss (headers, a request id, a `Response`). */
  extra?: unknown;
}

/**
 * How the call path reaches upstream. Give the mode(s) the caller can use: a stream caller gives
 * `stream`, a JSON caller `json`; the path calls exactly one of them, at most once.
 */
export interface Producer<Answer, Chunk> {
  json?: () => Promise<Produced<Answer>>;
  stream?: () => Promise<Produced<AsyncIterable<Chunk>>>;
}

/**
 * A stream handed to one caller: its own copies of the chunks, iterable once. Aborting its
 * `controller` (or leaving the loop) detaches the reader; the upstream stops when no reader is
 * left, unless the answer is complete and is being read to its end to be stored.
 */
export interface CallStream<Chunk> extends AsyncIterable<Chunk> {
  readonly controller: AbortController;
}

/** What the producer of {@link CallPath.resolveEach} returns for the missing requests. */
export interface ProducedEach<Answer> extends Produced<Answer[]> {
  /** Per answer: its meta (e.g. its share of the request's tokens), for savings. */
  meta?: readonly (ResponseMeta | undefined)[];
  /** Whether the answers may be stored (e.g. the response as a whole was sound). @default true */
  storable?: boolean;
}

/** The answers of {@link CallPath.resolveEach}, in the order of the prepared calls. */
export interface EachResult<Answer> {
  /** `undefined` only where a bypassed call's answer was not produced. */
  answers: Answer[];
  statuses: CacheStatus[];
  /** The producer's `extra`, when it ran. */
  extra?: unknown;
}

/** The answer of one call, from {@link CallPath.resolve}. */
export interface CallResult<Answer, Chunk> {
  readonly status: CacheStatus;
  /** JSON callers: this caller's own copy of the answer. */
  readonly answer?: Answer;
  /** Stream callers: this caller's own copies of the chunks, as they arrive (or replayed). */
  readonly stream?: CallStream<Chunk>;
  /** Stream callers: another reader of the same chunks from the first (e.g. for an SSE body). */
  readonly fork?: () => CallStream<Chunk>;
  /** The producer's `extra` (only for the caller whose producer ran). */
  readonly extra?: unknown;
  /** The answer's meta (model, usage, upstream latency) when known. */
  readonly meta?: ResponseMeta;
}

/** One provider's call path over one `AIResponseCache` (see the module documentation). */
export interface CallPath<Request, Answer, Chunk> {
  readonly codec: ProviderCodec<Request, Answer, Chunk>;
  /**
   * Validates per-call options and keys the request (once).
   * @throws {ValidationError} for invalid per-call options.
   */
  prepare(request: Request, perCall?: PerCallCacheOptions): Promise<PreparedCall<Request>>;
  /**
   * Like `prepare`, synchronously, once the cache is ready (after the first `prepare`);
   * `undefined` before. Hot paths use it with {@link CallPath.peek}.
   * @throws {ValidationError} for invalid per-call options.
   */
  prepareNow(request: Request, perCall?: PerCallCacheOptions): PreparedCall<Request> | undefined;
  /**
   * A JSON caller's answer when the in-process L1 tier holds it (status `'hit'`, a private copy),
   * synchronously; `undefined` otherwise (then `resolve` the call).
   */
  peek(prepared: PreparedCall<Request>): CallResult<Answer, Chunk> | undefined;
  /** The full cache key of a prepared call (`undefined` when it bypasses the cache), for diagnostics. */
  keyFor(prepared: PreparedCall<Request>): Promise<string | undefined>;
  /** Answers a prepared call: `stream: true` for a stream caller. Upstream errors propagate. */
  resolve(
    prepared: PreparedCall<Request>,
    producer: Producer<Answer, Chunk>,
    options?: { stream?: boolean; signal?: AbortSignal },
  ): Promise<CallResult<Answer, Chunk>>;
  /**
   * Answers many single-input requests at once (embeddings): cached ones from the cache, those
   * in flight elsewhere from that flight, and the rest with one `produce` call for the missing
   * ones (given in order; it returns their answers in the same order).
   */
  resolveEach(
    prepared: readonly PreparedCall<Request>[],
    produce: (missing: readonly Request[]) => Promise<ProducedEach<Answer>>,
  ): Promise<EachResult<Answer>>;
}
