import { describe, expect, it } from 'vitest';
import { CHAT_FIXTURES, chatFixtureChunks } from '../../examples/mock-openai/fixtures.js';
import {
  answerComplete,
  assembleChunks,
  replayAnswer,
  restreamChunks,
  streamCodec,
} from '../../src/integrations/openai/answers.js';
import { chatChunksToCompletion, chatCompletionToChunks } from '../../src/integrations/openai/convert.js';
import { accumulateChat, type Json } from '../helpers/openai-fidelity.js';

// The chat half of the stream-fidelity matrix, as pure conversions: every fixture (an answer as
// the API returns it and as it streams it) in every direction, with and without include_usage,
// accumulated by openai's own ChatCompletionStream and compared with toEqual.

const chat = 'chat.completions' as const;
const params = (includeUsage: boolean): Json =>
  includeUsage ? { stream: true, stream_options: { include_usage: true } } : { stream: true };
const withoutUsage = ({ usage: _usage, ...rest }: Json): Json => rest;
/** The answer a stream (with or without include_usage) stands for. */
const answerOf = (json: Json, includeUsage: boolean): Json => (includeUsage ? json : withoutUsage(json));
const choicesOf = (chunk: Json) => chunk.choices as Json[];

describe.each(Object.entries(CHAT_FIXTURES))('chat fixture %s', (_name, fixture) => {
  describe.each([true, false])('recorded with include_usage: %s', (recordedWithUsage) => {
    const upstream = chatFixtureChunks(fixture, recordedWithUsage);

    it('stream -> JSON: assembles what openai accumulates, and the JSON answer', async () => {
      const assembled = assembleChunks(chat, upstream);
      expect(assembled).toEqual(await accumulateChat(upstream));
      expect(assembled).toEqual(answerOf(fixture.json, recordedWithUsage));
    });

    it.each([true, false])('stream -> stream for a caller with include_usage: %s', async (callerUsage) => {
      const served = restreamChunks(chat, upstream, params(callerUsage));
      // Exactly what the API sends the caller, as far as the recording holds it.
      expect(served).toEqual(chatFixtureChunks(fixture, recordedWithUsage && callerUsage));
      expect(await accumulateChat(served)).toEqual(answerOf(fixture.json, recordedWithUsage && callerUsage));
    });

    it('answerComplete turns true at the chunk that completes the answer, not before', () => {
      const last = upstream.findLastIndex((chunk) => choicesOf(chunk).length > 0);
      for (let i = 0; i < last; i++) expect(answerComplete(chat, upstream.slice(0, i + 1))).toBe(false);
      expect(answerComplete(chat, upstream.slice(0, last + 1))).toBe(true);
      expect(answerComplete(chat, upstream)).toBe(true);
    });
  });

  describe.each([true, false])('JSON -> stream for a caller with include_usage: %s', (callerUsage) => {
    const replayed = replayAnswer(chat, fixture.json, params(callerUsage)) as Json[];

    it('openai accumulates exactly the JSON answer, and the chunks assemble back into it', async () => {
      expect(await accumulateChat(replayed)).toEqual(answerOf(fixture.json, callerUsage));
      expect(assembleChunks(chat, replayed)).toEqual(answerOf(fixture.json, callerUsage));
    });

    it('is shaped as the API streams: role chunk without logprobs first, finish chunk last, then usage', () => {
      const perChoice = new Map<unknown, Json[]>();
      for (const chunk of replayed) {
        for (const choice of choicesOf(chunk))
          perChoice.set(choice.index, [...(perChoice.get(choice.index) ?? []), choice]);
      }
      expect(perChoice.size).toBe((fixture.json.choices as Json[]).length);
      for (const choices of perChoice.values()) {
        const [role, ...rest] = choices;
        expect(role?.delta).toMatchObject({ role: 'assistant' });
        expect(role?.logprobs).toBeNull();
        const finish = rest.at(-1);
        expect(finish).toMatchObject({ delta: {}, finish_reason: expect.any(String) });
        for (const choice of rest.slice(0, -1)) {
          expect(choice.finish_reason).toBeNull();
          if (choice.logprobs !== null)
            expect(Object.keys(choice.delta as Json)).toEqual([expect.stringMatching(/^(content|refusal)$/)]);
        }
      }
      const usageChunks = replayed.filter((chunk) => choicesOf(chunk).length === 0);
      if (callerUsage) {
        expect(usageChunks).toEqual([expect.objectContaining({ usage: fixture.json.usage })]);
        expect(replayed.at(-1)).toBe(usageChunks[0]);
        for (const chunk of replayed.slice(0, -1)) expect(chunk.usage).toBeNull();
      } else {
        expect(usageChunks).toEqual([]);
        for (const chunk of replayed) expect('usage' in chunk).toBe(false);
      }
    });
  });
});

describe('chat conversions beyond the fixtures', () => {
  const base = { id: 'chatcmpl-x', object: 'chat.completion', created: 1, model: 'gpt-test' };
  const lp = (token: string) => ({ token, logprob: -0.5, bytes: null, top_logprobs: [] });
  const cases: Record<string, Json> = {
    // As the API's JSON has it: `annotations: []` on every message.
    'empty annotations list': {
      ...base,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi', refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
    },
    'logprobs whose tokens do not spell the content': {
      ...base,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello', refusal: null },
          logprobs: { content: [lp('Hel'), lp('LO')], refusal: null },
          finish_reason: 'stop',
        },
      ],
    },
    'empty logprobs lists': {
      ...base,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            function_call: { name: 'f', arguments: '{}' },
          },
          logprobs: { content: [], refusal: [] },
          finish_reason: 'function_call',
        },
      ],
    },
    'extra choice and top-level fields': {
      ...base,
      prompt_filter_results: [{ prompt_index: 0 }],
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'ok', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
          content_filter_results: { hate: { filtered: false } },
        },
      ],
    },
  };

  for (const [name, answer] of Object.entries(cases)) {
    it(`${name}: JSON -> stream -> openai's accumulation and back`, async () => {
      const chunks = chatCompletionToChunks(answer, false);
      expect(await accumulateChat(chunks)).toEqual(answer);
      expect(chatChunksToCompletion(chunks)).toEqual(answer);
    });
  }

  it('streamCodec binds the four stream functions to an endpoint', async () => {
    const codec = streamCodec(chat);
    const fixture = CHAT_FIXTURES['tool-calls'];
    const recorded = chatFixtureChunks(fixture, true);
    expect(codec.assemble(recorded, params(true))).toEqual(fixture.json);
    expect(await accumulateChat(codec.replay(fixture.json, params(false)))).toEqual(
      withoutUsage(fixture.json),
    );
    expect(codec.restream(recorded, params(false))).toEqual(chatFixtureChunks(fixture, false));
    expect(codec.complete(recorded.slice(0, -2), params(true))).toBe(false);
    expect(codec.complete(recorded.slice(0, -1), params(true))).toBe(true);
  });

  it('never modifies its input', () => {
    const answer = structuredClone(CHAT_FIXTURES.logprobs.json);
    const chunks = structuredClone(CHAT_FIXTURES.audio.chunks) as Json[];
    const frozen = JSON.stringify([answer, chunks]);
    chatChunksToCompletion(chatCompletionToChunks(answer, true));
    restreamChunks(chat, chunks, params(false));
    assembleChunks(chat, chunks);
    expect(JSON.stringify([answer, chunks])).toBe(frozen);
  });

  it('drops obfuscation for a caller with include_obfuscation: false, and from the assembled answer', () => {
    const chunks = chatFixtureChunks(CHAT_FIXTURES.n2, true).map((chunk) => ({
      ...chunk,
      obfuscation: 'xyz',
    }));
    const served = restreamChunks(chat, chunks, { stream_options: { include_obfuscation: false } }) as Json[];
    expect(served.some((chunk) => 'obfuscation' in chunk)).toBe(false);
    expect(restreamChunks(chat, chunks, {})).toHaveLength(chunks.length - 1);
    expect(assembleChunks(chat, chunks)).toEqual(CHAT_FIXTURES.n2.json);
  });

  it('an audio stream that goes on after its expires_at delta is not complete', () => {
    const chunks = chatFixtureChunks(CHAT_FIXTURES.audio, false);
    const more = {
      ...chunks[1],
      choices: [{ index: 0, delta: { audio: { data: 'AAAA' } }, finish_reason: null }],
    };
    expect(answerComplete(chat, [...chunks, more])).toBe(false);
    expect((chatChunksToCompletion([...chunks, more]).choices as Json[])[0]?.finish_reason).toBeNull();
  });
});
