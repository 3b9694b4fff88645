/**
 * The AI SDK's language-model specification, structurally: the few members the cache reads, shared
 * by `LanguageModelV2` (`ai` 5), `V3` (`ai` 6) and `V4` (`ai` 7). Nothing here imports
 * `@ai-sdk/provider`, so one middleware type fits every supported major.
 *
 * @module
 */

import type { LockSettings, PerCallCacheOptions, SamplingPolicy, TtlSetting } from '../../index.js';

/** The model the middleware wraps (`LanguageModelV2`/`V3`/`V4`): only its identity is read. */
export interface LanguageModelLike {
  /** Provider id (e.g. `'openai.chat'`): part of the key. */
  readonly provider: string;
  /** Model id (e.g. `'gpt-4o-mini'`): part of the key. */
  readonly modelId: string;
}

/**
 * The call options of one `doGenerate`/`doStream` call (`LanguageModelV*CallOptions`): the prompt
 * and the settings. Every member but `headers`, `abortSignal` and `includeRawChunks` is part of
 * the key (unknown future settings too: when in doubt, requests stay distinct).
 */
export interface CallOptionsLike {
  readonly prompt: unknown;
  readonly abortSignal?: AbortSignal | undefined;
  readonly headers?: unknown;
  readonly includeRawChunks?: boolean | undefined;
  readonly providerOptions?: Readonly<Record<string, unknown>> | undefined;
}

/** One part of a model's stream (`LanguageModelV*StreamPart`). */
export interface StreamPartLike {
  readonly type: string;
}

/** What `doGenerate` returns (`LanguageModelV*GenerateResult`). */
export interface GenerateResultLike {
  readonly content: readonly unknown[];
  readonly finishReason: unknown;
  readonly usage: unknown;
  readonly providerMetadata?: unknown;
}

/** What `doStream` returns (`LanguageModelV*StreamResult`). */
export interface StreamResultLike<Part> {
  readonly stream: ReadableStream<Part>;
}

/**
 * The middleware returned by {@link cacheMiddleware}, assignable to `LanguageModelV2Middleware`
 * (`ai` 5), `LanguageModelV3Middleware` (`ai` 6) and `LanguageModelV4Middleware` (`ai` 7). Its
 * methods are generic in the SDK's own result types, which pass through with their exact types.
 *
 * @typeParam V - the middleware specification version; inferred from where the middleware is
 * used (`wrapLanguageModel({ middleware })`), else {@link CacheMiddlewareOptions.specificationVersion}
 */
export interface CacheMiddleware<V extends MiddlewareVersion = 'v3'> {
  /** The specification version (the SDK does not check it at run time). */
  readonly specificationVersion: V;
  /** Answers `generateText` / `generateObject` calls (and tool-calling steps) from the cache. */
  wrapGenerate<R extends GenerateResultLike>(options: {
    doGenerate: () => PromiseLike<R>;
    params: CallOptionsLike;
    model: LanguageModelLike;
  }): Promise<R>;
  /** Answers `streamText` / `streamObject` calls from the cache, replaying the recorded parts. */
  wrapStream<P extends StreamPartLike, S extends StreamResultLike<P>>(options: {
    doStream: () => PromiseLike<S>;
    params: CallOptionsLike;
    model: LanguageModelLike;
  }): Promise<S>;
}

/** A language-model middleware specification version: `ai` 5 (`'v2'`), 6 (`'v3'`), 7 (`'v4'`). */
export type MiddlewareVersion = 'v2' | 'v3' | 'v4';

/**
 * How a stream hit is paced:
 * - `'none'`: every recorded part at once (as fast as the consumer reads);
 * - `'recorded'`: with the delays between parts as they were recorded (a stream replayed from
 *   a `generateText` answer has none), each capped at `maxDelayMs`.
 * @default 'none'
 */
export type ReplayPacing =
  | 'none'
  | 'recorded'
  | {
      /** The recorded delays, each capped at this many milliseconds. */
      maxDelayMs: number;
    };

/** Options of {@link cacheMiddleware}. */
export interface CacheMiddlewareOptions<V extends MiddlewareVersion = MiddlewareVersion> {
  /**
   * The middleware's `specificationVersion`. Only its type matters (the SDK ignores the value):
   * it is inferred where the middleware is passed to `wrapLanguageModel`.
   * @default 'v3'
   */
  specificationVersion?: V;
  /**
   * Operation name of the calls (no `:`; selects the cache's `operationTtls` and the stats
   * slice). @default 'ai-sdk'
   */
  operation?: string;
  /** TTL of stored answers (a per-call `ttl` overrides it). @default the cache's TTL for the operation */
  ttl?: TtlSetting;
  /**
   * Cross-process lock settings, or `false` to never use the cache's lock (which exists with
   * Redis). @default { ttl: '30s', wait: '10s', onTimeout: 'proceed' }
   */
  lock?: LockSettings | false;
  /** Cache `streamText` / `streamObject` calls. @default true */
  streams?: boolean;
  /** Pacing of stream hits (see {@link ReplayPacing}). @default 'none' */
  pacing?: ReplayPacing;
  /** What to do with calls whose `temperature` is above 0 (see `SamplingPolicy`). @default 'first' */
  sampling?: SamplingPolicy;
  /**
   * Extra key material for every call of this middleware (e.g. the base URL of a self-hosted
   * provider that reports the same provider id for different servers). @default none
   */
  scope?: unknown;
  /** Return `false` to leave a call uncached (status `'bypass'`). @default always cache */
  shouldCache?: (params: CallOptionsLike, model: LanguageModelLike) => boolean;
  /** Receives absorbed failures of the cache path (they are also `error` events of the cache). @default none */
  onError?: (error: Error) => void;
}

/**
 * Per-call cache options, given in the call's provider options under {@link PROVIDER_KEY}
 * (`providerOptions: { 'ai-response-cache': { noCache: true } }`); never part of the key.
 */
export type AISdkPerCallOptions = PerCallCacheOptions;

/** What a hit, miss or coalesced call reports in `providerMetadata[PROVIDER_KEY]`. */
export interface CacheProviderMetadata {
  /** How the answer was obtained (`'hit'`, `'miss'`, `'coalesced'`, `'bypass'`, ...). */
  status: string;
  /** Tokens the upstream call of a hit used, not spent again (hits and coalesced calls). */
  savedTokens?: number;
  /** How long the upstream call of a hit took, in milliseconds (hits and coalesced calls). */
  savedMs?: number;
}

/** The key under which the cache reports itself in `providerMetadata` and takes per-call options. */
export const PROVIDER_KEY = 'ai-response-cache';
