/**
 * Type-level tests of withCache(anthropic) (checked by `tsc --noEmit`; the runtime part only
 * builds the wrapper, it sends no request).
 */
import Anthropic, { type APIPromise } from '@anthropic-ai/sdk';
import type { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { Stream } from '@anthropic-ai/sdk/streaming';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { AIResponseCache, type CacheStatus } from '../../src/index.js';
import { type CachedAnthropic, cacheStatus, withCache } from '../../src/integrations/anthropic/index.js';

const params = { model: 'claude-test', max_tokens: 16, messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('withCache(anthropic) types', () => {
  const ai = new AIResponseCache();
  afterAll(() => ai.close());
  const client = new Anthropic({ apiKey: 'test', baseURL: 'http://127.0.0.1:9' });
  const anthropic = withCache(client, { cache: ai });

  it('keeps the client type, in both directions', () => {
    expectTypeOf(anthropic).toEqualTypeOf<CachedAnthropic<Anthropic>>();
    expectTypeOf(anthropic).toExtend<Anthropic>();
    expectTypeOf<Anthropic>().toExtend<typeof anthropic>();
    expectTypeOf(anthropic.messages.countTokens).toEqualTypeOf<Anthropic['messages']['countTokens']>();
    expect(typeof anthropic.messages.create).toBe('function');
  });

  it('types messages.create by the stream flag, with and without the cache option', () => {
    const json = () => anthropic.messages.create(params);
    const stream = () => anthropic.messages.create({ ...params, stream: true });
    const jsonCached = () => anthropic.messages.create(params, { cache: { noCache: true, ttl: '5m' } });
    const streamCached = () =>
      anthropic.messages.create({ ...params, stream: true }, { cache: { noStore: true } });
    expectTypeOf(json).returns.toEqualTypeOf<APIPromise<Message>>();
    expectTypeOf(stream).returns.toEqualTypeOf<APIPromise<Stream<RawMessageStreamEvent>>>();
    expectTypeOf(jsonCached).returns.toEqualTypeOf<APIPromise<Message>>();
    expectTypeOf(streamCached).returns.toEqualTypeOf<APIPromise<Stream<RawMessageStreamEvent>>>();
    const helper = () => anthropic.messages.stream(params, { cache: { forceRefresh: true } });
    expectTypeOf(helper).returns.toExtend<MessageStream>();
    expectTypeOf(cacheStatus).returns.toEqualTypeOf<CacheStatus | undefined>();
  });
});
