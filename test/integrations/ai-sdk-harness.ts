/**
 * The harness of the ai-sdk suites: one SDK major under test, caches closed after each test, a
 * mock model (that major's own `MockLanguageModelV*`) counting its calls behind the middleware.
 */
import { afterEach } from 'vitest';
import { AIResponseCache } from '../../src/index.js';
import { type CacheMiddlewareOptions, cacheMiddleware } from '../../src/integrations/ai-sdk/index.js';
import { type SpecVersion, textParts, textResult } from './ai-sdk-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: one suite over three majors of the SDK, whose types differ
export type Loose = any;

/** The parts of one SDK major the suite uses. */
export interface SdkUnderTest {
  version: SpecVersion;
  /** The `ai` package's major, checked against what is loaded. */
  major: number;
  ai: Loose;
  MockLanguageModel: Loose;
}

/** A wrapped mock model and its call counts. */
export interface Counted {
  model: Loose;
  cache: AIResponseCache;
  generateCalls: () => number;
  streamCalls: () => number;
  /** The call options the model received (the last call). */
  lastParams: () => Loose;
}

/** What the suites build on (call inside a `describe`: registers an `afterEach`). */
export interface Harness {
  newCache(): AIResponseCache;
  /** A `doStream` result of `chunks`, through the SDK's `simulateReadableStream`. */
  stream(chunks: unknown[]): { stream: ReadableStream<unknown> };
  /** A mock model that counts its calls, wrapped with the cache middleware. */
  wrapped(
    answers: { result?: () => unknown; parts?: () => unknown[]; gate?: Promise<void> },
    options?: CacheMiddlewareOptions,
    cache?: AIResponseCache,
  ): Counted;
  /** The cache status in a result's `providerMetadata`. */
  status(providerMetadata: Loose): string | undefined;
}

export function createHarness({ version, ai, MockLanguageModel }: SdkUnderTest): Harness {
  const caches: AIResponseCache[] = [];
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((c) => c.close()));
  });
  const newCache = () => {
    const cache = new AIResponseCache();
    caches.push(cache);
    return cache;
  };
  const stream = (chunks: unknown[]) => ({
    stream: ai.simulateReadableStream({ chunks, initialDelayInMs: null, chunkDelayInMs: null }),
  });
  const wrapped: Harness['wrapped'] = (answers, options = {}, cache = newCache()) => {
    let generate = 0;
    let streamed = 0;
    let last: Loose;
    const inner = new MockLanguageModel({
      provider: 'mock-provider',
      modelId: 'mock-model',
      doGenerate: async (params: Loose) => {
        generate++;
        last = params;
        await answers.gate;
        return (answers.result ?? (() => textResult(version)))();
      },
      doStream: async (params: Loose) => {
        streamed++;
        last = params;
        await answers.gate;
        return stream((answers.parts ?? (() => textParts(version)))());
      },
    });
    const model = ai.wrapLanguageModel({ model: inner, middleware: cacheMiddleware(cache, options) });
    return {
      model,
      cache,
      generateCalls: () => generate,
      streamCalls: () => streamed,
      lastParams: () => last,
    };
  };
  const status = (providerMetadata: Loose) => providerMetadata?.['ai-response-cache']?.status;
  return { newCache, stream, wrapped, status };
}
