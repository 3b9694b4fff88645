import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixtureMarker, RESPONSES_FIXTURES } from '../../examples/mock-openai/fixtures.js';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { AIResponseCache } from '../../src/index.js';
import { type CachedOpenAI, cacheStatus, withCache } from '../../src/integrations/openai/index.js';
import { withSdkOutputText } from '../helpers/openai-fidelity.js';

// A consumer that stops reading once the answer is complete (a loop broken at the chunk with
// finish_reason, or after the last Responses output item) still leaves a cached answer; one
// that stops earlier aborts the upstream request and stores nothing.

describe('withCache(openai): consumers that stop reading', () => {
  let server: MockOpenAI;
  let ai: AIResponseCache;
  let openai: CachedOpenAI<OpenAI>;

  beforeEach(async () => {
    server = await startMockOpenAI({ latencyMs: { firstTokenMs: 1, perChunkMs: 0, responseMs: 1 } });
    const client = new OpenAI({ baseURL: server.url, apiKey: 'sk-test', maxRetries: 0 });
    ai = new AIResponseCache();
    openai = withCache(client, { cache: ai });
  });

  afterEach(async () => {
    await server.close();
    await ai.close();
  });

  const params = (content: string) => ({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user' as const, content }],
    stream: true as const,
    stream_options: { include_usage: true },
  });

  it('a loop broken at the finish_reason chunk still leaves a cached answer', async () => {
    const stream = await openai.chat.completions.create(params('Break at finish'));
    for await (const chunk of stream) {
      if (chunk.choices.some((choice) => choice.finish_reason)) break;
    }
    // noStore polls never write, so a hit can only come from the drained stream.
    await vi.waitFor(
      async () => {
        const again = await openai.chat.completions.create(
          { ...params('Break at finish'), stream: false },
          { cache: { noStore: true } },
        );
        expect(cacheStatus(again)).toBe('hit');
      },
      { timeout: 5000, interval: 20 },
    );
  });

  it('a Responses loop broken after the last output item is done still leaves the whole answer', async () => {
    const fixture = RESPONSES_FIXTURES.reasoning;
    const body = { model: 'gpt-4.1-mini', input: fixtureMarker('reasoning'), stream: true as const };
    const items = fixture.json.output as unknown[];
    let done = 0;
    for await (const event of await openai.responses.create(body)) {
      if (event.type === 'response.output_item.done' && ++done === items.length) break;
    }
    await vi.waitFor(
      async () => {
        const again = await openai.responses.create({ ...body, stream: false }, { cache: { noStore: true } });
        expect(cacheStatus(again)).toBe('hit');
        expect(again).toEqual(withSdkOutputText(fixture.json));
      },
      { timeout: 5000, interval: 20 },
    );
  });

  it('a loop broken before the finish_reason aborts and stores nothing', async () => {
    const stream = await openai.chat.completions.create(params('Break early, please, with a long answer'));
    for await (const _chunk of stream) break;
    const again = await openai.chat.completions.create({
      ...params('Break early, please, with a long answer'),
      stream: false,
    });
    expect(cacheStatus(again)).toBe('miss');
  });
});
