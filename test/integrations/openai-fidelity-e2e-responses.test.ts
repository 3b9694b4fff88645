import OpenAI from 'openai';
import { ResponseStream } from 'openai/lib/responses/ResponseStream';
import type { ResponseCreateParams } from 'openai/resources/responses/responses';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixtureMarker, RESPONSES_FIXTURES } from '../../examples/mock-openai/fixtures.js';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { AIResponseCache } from '../../src/index.js';
import { type CachedOpenAI, cacheStatus, withCache } from '../../src/integrations/openai/index.js';
import {
  accumulateBeforeTerminal,
  accumulateResponses,
  answerTexts,
  collect,
  deltaTexts,
  type Json,
  nextWrite,
  readBoth,
  withSdkOutputText,
} from '../helpers/openai-fidelity.js';

// The Responses half of the stream-fidelity matrix end to end: the real openai client, wrapped,
// against the local server answering with each fixture as the API does. Hits are accumulated by
// openai's ResponseStream (from the SDK Stream's bytes, and driving the wrapped client itself).

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

const request = (name: string, stream: boolean): ResponseCreateParams => ({
  model: 'gpt-4.1-mini',
  input: `${fixtureMarker(name)} case ${tag}`,
  ...(stream ? { stream: true } : {}),
});
const upstreamCalls = () => server.calls.byEndpoint['/v1/responses'] ?? 0;

/** A first call that records the answer: what it received. */
async function record(name: string, stream: boolean): Promise<unknown> {
  const stored = nextWrite(ai);
  const result = await openai.responses.create(request(name, stream) as never);
  expect(cacheStatus(result)).toBe('miss');
  const received = stream ? await collect(result as unknown as AsyncIterable<unknown>) : result;
  await stored;
  return received;
}

/** A second, streaming call reading the recorded answer: its events and openai's accumulation. */
async function replayStream(name: string) {
  const stream = await openai.responses.create(request(name, true) as never);
  expect(cacheStatus(stream)).toBe('hit');
  const { items, final } = await readBoth(stream as never, accumulateResponses);
  expect(upstreamCalls()).toBe(1);
  return { events: items, final };
}

describe.each(Object.entries(RESPONSES_FIXTURES))(
  'withCache(openai) responses, fixture %s',
  (name, fixture) => {
    const answer = withSdkOutputText(fixture.json);

    it('a streamed miss passes the upstream events through unchanged', async () => {
      expect(await record(name, true)).toEqual(fixture.events);
    });

    it('stream -> stream: the recorded events, accumulated into the JSON answer', async () => {
      await record(name, true);
      const { events, final } = await replayStream(name);
      expect(events).toEqual(fixture.events);
      expect(final).toEqual(answer);
    });

    it('stream -> JSON: a JSON caller gets the answer the API returns', async () => {
      await record(name, true);
      const json = await openai.responses.create(request(name, false) as never);
      expect(cacheStatus(json)).toBe('hit');
      expect(json).toEqual(answer);
      expect(upstreamCalls()).toBe(1);
    });

    it('JSON -> stream: accumulated into exactly the JSON answer, deltas and summaries included', async () => {
      expect(await record(name, false)).toEqual(answer);
      const { events, final } = await replayStream(name);
      expect(final).toEqual(answer);
      expect(accumulateBeforeTerminal(events).output).toEqual(fixture.json.output);
      expect(deltaTexts(events)).toEqual(answerTexts(fixture.json));
    });

    it("JSON -> stream through openai's ResponseStream driving the wrapped client", async () => {
      await record(name, false);
      const final = await ResponseStream.createResponse(
        openai as never,
        request(name, true) as never,
      ).finalResponse();
      const { output_parsed: _parsed, ...rest } = final as unknown as Json;
      const output = (rest.output as Json[]).map(({ parsed_arguments: _a, ...item }) =>
        Array.isArray(item.content)
          ? { ...item, content: (item.content as Json[]).map(({ parsed: _p, ...part }) => part) }
          : item,
      );
      expect({ ...rest, output }).toEqual(answer);
      expect(upstreamCalls()).toBe(1);
    });
  },
);
