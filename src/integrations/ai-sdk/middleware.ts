/**
 * `cacheMiddleware(ai)`: the AI SDK language-model middleware that drives every `doGenerate` and
 * `doStream` call through the provider-neutral call path.
 *
 * @module
 */

import {
  type AIResponseCache,
  type CallResult,
  createCallPath,
  type PerCallCacheOptions,
  ValidationError,
  type ValidationIssue,
} from '../../index.js';
import { aiSdkCodec, replay, type StoredPart, type StoredResult, storeResult } from './codec.js';
import { isObject, reviveTimestamp } from './json.js';
import { recordParts, toPartStream } from './stream.js';
import {
  type CacheMiddleware,
  type CacheMiddlewareOptions,
  type CacheProviderMetadata,
  type CallOptionsLike,
  type MiddlewareVersion,
  PROVIDER_KEY,
  type StreamPartLike,
} from './types.js';

/**
 * A language-model middleware that caches the model's answers in `cache`:
 *
 * ```ts
 * import { generateText, wrapLanguageModel } from 'ai';
 * const model = wrapLanguageModel({ model: openai('gpt-4o-mini'), middleware: cacheMiddleware(ai) });
 * const { text, providerMetadata } = await generateText({ model, prompt: 'Hello' });
 * providerMetadata?.['ai-response-cache']?.status; // 'miss', then 'hit'
 * ```
 *
 * The key is the provider, the model id, the prompt and every call setting (tools, tool choice,
 * response format, temperature, seed, provider options, ...), never headers or the abort
 * signal. `generateText` and `streamText` calls of one prompt share one entry; concurrent
 * identical calls make one model call (across processes with a Redis-backed cache). A stream
 * that fails, ends with an `error` part or is abandoned before its `finish` part is not stored.
 *
 * @param cache - where answers are stored
 * @throws {ValidationError} listing every invalid option.
 */
export function cacheMiddleware<V extends MiddlewareVersion = 'v3'>(
  cache: AIResponseCache,
  options: CacheMiddlewareOptions<V> = {},
): CacheMiddleware<V> {
  validate(cache, options);
  const { shouldCache, pacing = 'none' } = options;
  const path = createCallPath(aiSdkCodec, {
    cache,
    operation: options.operation ?? 'ai-sdk',
    ...(options.ttl !== undefined && { ttl: options.ttl }),
    ...(options.lock !== undefined && { lock: options.lock }),
    ...(options.streams !== undefined && { streams: options.streams }),
    ...(options.sampling !== undefined && { sampling: options.sampling }),
    ...(options.scope !== undefined && { scope: options.scope }),
    ...(options.onError !== undefined && { onError: options.onError }),
    ...(shouldCache && { shouldCache: ({ params, model }) => shouldCache(params, model) }),
  });

  return {
    specificationVersion: (options.specificationVersion ?? 'v3') as V,

    async wrapGenerate({ doGenerate, params, model }) {
      type R = Awaited<ReturnType<typeof doGenerate>>;
      const prepared = await path.prepare({ model, params }, perCallOptions(params));
      const result = await path.resolve(
        prepared,
        {
          json: async () => {
            const own = await doGenerate();
            return { value: storeResult(own), extra: own };
          },
        },
        signalOf(params),
      );
      const own = result.extra as R | undefined;
      const answer = own ?? (reviveResult(result.answer) as unknown as R);
      return withMetadata(answer, metadataOf(result));
    },

    async wrapStream({ doStream, params, model }) {
      type S = Awaited<ReturnType<typeof doStream>>;
      const prepared = await path.prepare({ model, params }, perCallOptions(params));
      const originals: unknown[] = [];
      const result = await path.resolve(
        prepared,
        {
          stream: async () => {
            const own = await doStream();
            return { value: recordParts(own.stream, originals), extra: own };
          },
        },
        { stream: true, ...signalOf(params) },
      );
      const own = result.extra as S | undefined;
      const metadata = metadataOf(result);
      const source = result.stream ?? replayAnswer(result.answer);
      const stream = toPartStream(
        source,
        (stored, index) => {
          const original = own ? (originals[index] as StreamPartLike | undefined) : undefined;
          const part =
            original !== undefined && original.type === stored.part.type ? original : revivePart(stored);
          return part.type === 'finish' ? withMetadata(part, metadata) : part;
        },
        result.status === 'hit' ? pacing : 'none',
      );
      return { ...own, stream } as S;
    },
  };
}

/** The call's per-call cache options (`providerOptions['ai-response-cache']`), validated by `prepare`. */
function perCallOptions(params: CallOptionsLike): PerCallCacheOptions | undefined {
  const ours = params.providerOptions?.[PROVIDER_KEY];
  return ours === undefined ? undefined : (ours as PerCallCacheOptions);
}

function signalOf(params: CallOptionsLike): { signal?: AbortSignal } {
  return params.abortSignal ? { signal: params.abortSignal } : {};
}

/** What the caller sees in `providerMetadata['ai-response-cache']`. */
function metadataOf(result: CallResult<StoredResult, StoredPart>): CacheProviderMetadata {
  const metadata: CacheProviderMetadata = { status: result.status };
  if (result.status === 'hit' || result.status === 'coalesced' || result.status === 'stale') {
    const tokens = result.meta?.usage?.totalTokens;
    if (tokens !== undefined) metadata.savedTokens = tokens;
    if (result.meta?.latencyMs !== undefined) metadata.savedMs = result.meta.latencyMs;
  }
  return metadata;
}

/** `value` with the cache's metadata added to its `providerMetadata` (a copy; `value` is not changed). */
function withMetadata<T>(value: T, metadata: CacheProviderMetadata): T {
  const existing = (value as { providerMetadata?: unknown }).providerMetadata;
  const providerMetadata = { ...(isObject(existing) ? existing : {}), [PROVIDER_KEY]: { ...metadata } };
  return { ...value, providerMetadata };
}

/** A stored result with its response timestamp a `Date` again. */
function reviveResult(stored: StoredResult | undefined): StoredResult {
  if (!stored) return { content: [], finishReason: null, usage: {} };
  return isObject(stored.response) ? { ...stored, response: reviveTimestamp(stored.response) } : stored;
}

/** A stored part as the SDK expects it (`response-metadata` with a `Date` timestamp). */
function revivePart({ part }: StoredPart): StreamPartLike {
  return (part.type === 'response-metadata' ? reviveTimestamp(part) : part) as unknown as StreamPartLike;
}

/** A JSON answer's stream, when the call path gives a stream caller no stream (never expected). */
async function* replayAnswer(answer: StoredResult | undefined): AsyncGenerator<StoredPart> {
  if (answer) yield* replay(answer);
}

function validate(cache: unknown, options: CacheMiddlewareOptions): void {
  const issues: ValidationIssue[] = [];
  const ai = cache as { lookupResponse?: unknown } | undefined;
  if (typeof ai?.lookupResponse !== 'function')
    issues.push({ path: 'cache', message: 'expected an AIResponseCache' });
  if (!isObject(options)) {
    throw new ValidationError('Invalid cacheMiddleware() options', [
      ...issues,
      { path: '', message: 'expected an object' },
    ]);
  }
  const { operation, specificationVersion, pacing, streams, shouldCache, onError } = options;
  if (operation !== undefined && (typeof operation !== 'string' || !operation || operation.includes(':'))) {
    issues.push({ path: 'operation', message: 'expected a non-empty string without ":"' });
  }
  if (
    specificationVersion !== undefined &&
    !(['v2', 'v3', 'v4'] as unknown[]).includes(specificationVersion)
  ) {
    issues.push({ path: 'specificationVersion', message: "expected 'v2', 'v3' or 'v4'" });
  }
  if (
    pacing !== undefined &&
    pacing !== 'none' &&
    pacing !== 'recorded' &&
    !(isObject(pacing) && typeof pacing.maxDelayMs === 'number' && pacing.maxDelayMs >= 0)
  ) {
    issues.push({ path: 'pacing', message: "expected 'none', 'recorded' or { maxDelayMs: number >= 0 }" });
  }
  if (streams !== undefined && typeof streams !== 'boolean')
    issues.push({ path: 'streams', message: 'expected a boolean' });
  for (const [name, fn] of Object.entries({ shouldCache, onError })) {
    if (fn !== undefined && typeof fn !== 'function')
      issues.push({ path: name, message: 'expected a function' });
  }
  if (issues.length > 0) throw new ValidationError('Invalid cacheMiddleware() options', issues);
}
