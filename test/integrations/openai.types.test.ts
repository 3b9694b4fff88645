/**
 * Type-level tests of withCache (checked by `tsc --noEmit`; the runtime part only builds the
 * wrapper, it sends no request).
 */
import OpenAI, { type APIPromise, AzureOpenAI } from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import type { Response as OpenAIResponse, ResponseStreamEvent } from 'openai/resources/responses/responses';
import type { Stream } from 'openai/streaming';
import { describe, expectTypeOf, it } from 'vitest';
import { AIResponseCache } from '../../src/index.js';
import {
  type CachedOpenAI,
  type CacheStatus,
  cacheStatus,
  withCache,
} from '../../src/integrations/openai/index.js';

const messages = [{ role: 'user' as const, content: 'Hi' }];

describe('withCache types', () => {
  const client = new OpenAI({ apiKey: 'test', baseURL: 'http://127.0.0.1:9/v1' });
  const openai = withCache(client, { cache: new AIResponseCache() });

  it('keeps the client type', () => {
    expectTypeOf(openai).toEqualTypeOf<CachedOpenAI<OpenAI>>();
    // Same type as the client, in both directions: usable wherever an OpenAI is expected and back.
    expectTypeOf(openai).toExtend<OpenAI>();
    expectTypeOf<OpenAI>().toExtend<typeof openai>();
    expectTypeOf(openai.models.list).toEqualTypeOf<OpenAI['models']['list']>();
    const azure = withCache(
      new AzureOpenAI({ apiKey: 'test', endpoint: 'http://127.0.0.1:9', apiVersion: 'x' }),
      {
        cache: new AIResponseCache(),
      },
    );
    expectTypeOf(azure).toExtend<AzureOpenAI>();
  });

  it('types chat completions by the stream flag, with and without the cache option', () => {
    const plain = () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expectTypeOf(plain).returns.toEqualTypeOf<APIPromise<ChatCompletion>>();
    const streamed = () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    expectTypeOf(streamed).returns.toEqualTypeOf<APIPromise<Stream<ChatCompletionChunk>>>();
    const plainCached = () =>
      openai.chat.completions.create(
        { model: 'gpt-4o-mini', messages },
        { cache: { noCache: true }, timeout: 10 },
      );
    expectTypeOf(plainCached).returns.toEqualTypeOf<APIPromise<ChatCompletion>>();
    const streamedCached = () =>
      openai.chat.completions.create(
        { model: 'gpt-4o-mini', messages, stream: true },
        { cache: { ttl: '5m' } },
      );
    expectTypeOf(streamedCached).returns.toEqualTypeOf<APIPromise<Stream<ChatCompletionChunk>>>();
  });

  it('types embeddings and responses', () => {
    const embed = () =>
      openai.embeddings.create(
        { model: 'text-embedding-3-small', input: ['a'] },
        { cache: { namespace: 't1' } },
      );
    expectTypeOf(embed).returns.toEqualTypeOf<APIPromise<CreateEmbeddingResponse>>();
    const respond = () =>
      openai.responses.create({ model: 'gpt-4o-mini', input: 'Hi' }, { cache: { noStore: true } });
    expectTypeOf(respond).returns.toEqualTypeOf<APIPromise<OpenAIResponse>>();
    const respondStream = () => openai.responses.create({ model: 'gpt-4o-mini', input: 'Hi', stream: true });
    expectTypeOf(respondStream).returns.toEqualTypeOf<APIPromise<Stream<ResponseStreamEvent>>>();
  });

  it('rejects unknown per-call cache options and types cacheStatus', () => {
    const bad = () =>
      // @ts-expect-error `bogus` is not a cache option
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages }, { cache: { bogus: true } });
    expectTypeOf(bad).toBeFunction();
    expectTypeOf(cacheStatus).returns.toEqualTypeOf<CacheStatus | undefined>();
  });
});
