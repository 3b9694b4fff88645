import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHAT_FIXTURES,
  chatFixtureChunks,
  fixtureMarker,
  RESPONSES_FIXTURES,
} from '../../examples/mock-openai/fixtures.js';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import {
  accumulateBeforeTerminal,
  accumulateChat,
  accumulateResponses,
  answerTexts,
  collect,
  delivered,
  deltaTexts,
  type Json,
  withSdkOutputText,
} from '../helpers/openai-fidelity.js';

// The fixtures are the reference of the stream-fidelity matrix: this proves that the mock sends
// them verbatim and that each fixture's two forms agree under openai's own stream helpers.

let server: MockOpenAI;
let client: OpenAI;

beforeAll(async () => {
  server = await startMockOpenAI({ latencyMs: 0 });
  client = new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
});

afterAll(async () => {
  await server.close();
});

const chat = (name: string) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content: `${fixtureMarker(name)} answer` }],
});

describe('chat fixtures', () => {
  for (const [name, fixture] of Object.entries(CHAT_FIXTURES)) {
    it(`${name}: JSON verbatim, and the streams (with and without include_usage) accumulate into it`, async () => {
      expect(await client.chat.completions.create(chat(name))).toEqual(fixture.json);
      const withUsage = await collect(
        await client.chat.completions.create({
          ...chat(name),
          stream: true,
          stream_options: { include_usage: true },
        }),
      );
      expect(withUsage).toEqual(delivered(fixture.chunks));
      expect(await accumulateChat(withUsage)).toEqual(fixture.json);

      const withoutUsage = await collect(
        await client.chat.completions.create({ ...chat(name), stream: true }),
      );
      expect(withoutUsage).toEqual(delivered(chatFixtureChunks(fixture, false)));
      expect(withoutUsage.some((chunk) => 'usage' in chunk)).toBe(false);
      const { usage: _usage, ...json } = fixture.json;
      expect(await accumulateChat(withoutUsage)).toEqual(json);
    });
  }
});

describe('responses fixtures', () => {
  for (const [name, fixture] of Object.entries(RESPONSES_FIXTURES)) {
    it(`${name}: JSON verbatim, and the events accumulate into it (deltas included)`, async () => {
      const json = await client.responses.create({ model: 'gpt-4.1-mini', input: fixtureMarker(name) });
      expect(json).toEqual(withSdkOutputText(fixture.json));
      const events = await collect(
        await client.responses.create({ model: 'gpt-4.1-mini', input: fixtureMarker(name), stream: true }),
      );
      expect(events).toEqual(fixture.events);
      expect(await accumulateResponses(events)).toEqual(withSdkOutputText(fixture.json));
      expect(accumulateBeforeTerminal(events).output).toEqual(fixture.json.output);
      expect(deltaTexts(events)).toEqual(answerTexts(fixture.json));
      expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i));
    });
  }

  it('the reasoning fixture streams its summaries and the text fixture its logprobs and citations', () => {
    const types = (name: keyof typeof RESPONSES_FIXTURES) =>
      RESPONSES_FIXTURES[name].events.map((event) => event.type);
    expect(types('reasoning')).toContain('response.reasoning_summary_text.delta');
    expect(types('text')).toContain('response.output_text.annotation.added');
    const delta = RESPONSES_FIXTURES.text.events.find((e) => e.type === 'response.output_text.delta') as Json;
    expect(delta.logprobs).toHaveLength(1);
  });
});

describe('fixture markers', () => {
  it('an unknown fixture name is a 400', async () => {
    await expect(client.chat.completions.create(chat('no-such-fixture'))).rejects.toMatchObject({
      status: 400,
    });
    await expect(
      client.responses.create({ model: 'gpt-4.1-mini', input: fixtureMarker('no-such-fixture') }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
