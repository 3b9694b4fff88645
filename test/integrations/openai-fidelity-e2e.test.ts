import OpenAI from 'openai';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT_FIXTURES, chatFixtureChunks, fixtureMarker } from '../../examples/mock-openai/fixtures.js';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { AIResponseCache } from '../../src/index.js';
import { type CachedOpenAI, cacheStatus, withCache } from '../../src/integrations/openai/index.js';
import {
  accumulateChat,
  collect,
  delivered,
  type Json,
  nextWrite,
  readBoth,
} from '../helpers/openai-fidelity.js';

// The chat half of the stream-fidelity matrix end to end: the real openai client, wrapped, against
// the local OpenAI-compatible server answering with each fixture exactly as the API does (JSON,
// or SSE with or without include_usage). A first call records the answer (miss), a second one
// with another delivery reads it (hit); the hit is read through the SDK's own Stream (tee(),
// toReadableStream()) and accumulated by openai's ChatCompletionStream, compared with toEqual.

let server: MockOpenAI;
let ai: AIResponseCache;
let openai: CachedOpenAI<OpenAI>;
let tag = 0;

beforeAll(async () => {
  server = await startMockOpenAI({ latencyMs: 0 });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.resetCalls();
  ai = new AIResponseCache();
  openai = withCache(new OpenAI({ baseURL: server.url, apiKey: 'sk-test', maxRetries: 0 }), { cache: ai });
  tag += 1;
});

afterEach(async () => {
  await ai.close();
});

type Delivery = 'json' | 'stream' | 'stream+usage';

/** The request of fixture `name` (its own prompt per test) with one delivery. */
function request(name: string, delivery: Delivery): ChatCompletionCreateParams {
  const body: ChatCompletionCreateParams = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `${fixtureMarker(name)} case ${tag}` }],
    ...(name === 'audio'
      ? { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'pcm16' } }
      : {}),
  };
  if (delivery === 'json') return body;
  return {
    ...body,
    stream: true,
    ...(delivery === 'stream+usage' ? { stream_options: { include_usage: true } } : {}),
  };
}

const withoutUsage = ({ usage: _usage, ...rest }: Json): Json => rest;
const upstreamCalls = () => server.calls.byEndpoint['/v1/chat/completions'] ?? 0;

/** A first call that records the answer: what it received. */
async function record(name: string, delivery: Delivery): Promise<unknown> {
  const stored = nextWrite(ai);
  const result = await openai.chat.completions.create(request(name, delivery));
  expect(cacheStatus(result)).toBe('miss');
  const received = delivery === 'json' ? result : await collect(result as AsyncIterable<unknown>);
  await stored;
  return received;
}

/** A second call that reads the recorded answer as a stream: its chunks and openai's accumulation. */
async function replayStream(name: string, delivery: Exclude<Delivery, 'json'>) {
  const stream = await openai.chat.completions.create(request(name, delivery) as never);
  expect(cacheStatus(stream)).toBe('hit');
  const { items, final } = await readBoth(stream as never, accumulateChat);
  expect(upstreamCalls()).toBe(1);
  return { chunks: items, final };
}

const streams = ['stream', 'stream+usage'] as const;

describe.each(Object.entries(CHAT_FIXTURES))('withCache(openai) chat, fixture %s', (name, fixture) => {
  describe.each(streams)('recorded as %s', (recorded) => {
    const withUsage = recorded === 'stream+usage';

    it('the miss passes the upstream chunks through unchanged', async () => {
      expect(await record(name, recorded)).toEqual(delivered(chatFixtureChunks(fixture, withUsage)));
    });

    it.each(streams)('stream -> stream: replayed to a %s caller as the API would send it', async (caller) => {
      await record(name, recorded);
      const both = withUsage && caller === 'stream+usage';
      const { chunks, final } = await replayStream(name, caller);
      expect(chunks).toEqual(delivered(chatFixtureChunks(fixture, both)));
      expect(final).toEqual(both ? fixture.json : withoutUsage(fixture.json));
    });

    it('stream -> JSON: a JSON caller gets the answer the API returns (usage when recorded)', async () => {
      await record(name, recorded);
      const json = await openai.chat.completions.create(request(name, 'json') as never);
      expect(cacheStatus(json)).toBe('hit');
      expect(json).toEqual(withUsage ? fixture.json : withoutUsage(fixture.json));
      expect(upstreamCalls()).toBe(1);
    });
  });

  describe('recorded as JSON', () => {
    it('the miss returns the upstream answer', async () => {
      expect(await record(name, 'json')).toEqual(fixture.json);
    });

    it.each(streams)('JSON -> stream: a %s caller accumulates exactly the JSON answer', async (caller) => {
      await record(name, 'json');
      const { chunks, final } = await replayStream(name, caller);
      expect(final).toEqual(caller === 'stream+usage' ? fixture.json : withoutUsage(fixture.json));
      const usageChunks = chunks.filter((chunk) => (chunk.choices as unknown[]).length === 0);
      expect(usageChunks).toEqual(
        caller === 'stream+usage' ? [expect.objectContaining({ usage: fixture.json.usage })] : [],
      );
    });

    it("JSON -> stream through openai's ChatCompletionStream driving the wrapped client", async () => {
      await record(name, 'json');
      const runner = ChatCompletionStream.createChatCompletion(
        openai as never,
        request(name, 'stream+usage') as never,
      );
      const final = (await runner.finalChatCompletion()) as unknown as Json;
      for (const choice of final.choices as Json[]) delete (choice.message as Json).parsed;
      expect(final).toEqual(fixture.json);
      expect(upstreamCalls()).toBe(1);
    });
  });
});
