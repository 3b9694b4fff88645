import OpenAI from 'openai';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { AIResponseCache } from '../../src/index.js';
import {
  chatChunksToCompletion,
  chatCompletionToChunks,
  type Json,
  responseEventsToResponse,
  responseToEvents,
} from '../../src/integrations/openai/convert.js';
import { type CachedOpenAI, cacheStatus, withCache } from '../../src/integrations/openai/index.js';

/** Accumulates chunks with openai's own `ChatCompletionStream`. */
async function accumulate(chunks: readonly Json[]): Promise<unknown> {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(`${JSON.stringify(chunk)}\n`));
      controller.close();
    },
  });
  const final = (await ChatCompletionStream.fromReadableStream(
    body,
  ).finalChatCompletion()) as unknown as Json;
  // `parsed` is the helper's own addition (structured outputs), not part of the API's answer.
  for (const choice of final.choices as Json[]) delete (choice.message as Json).parsed;
  return final;
}

const lp = (token: string) => ({ token, logprob: -0.1, bytes: null, top_logprobs: [] });
const base = { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-test' };
const usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 };

const answers: Record<string, Json> = {
  'content with logprobs and annotations': {
    ...base,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Hello world',
          refusal: null,
          annotations: [
            {
              type: 'url_citation',
              url_citation: { url: 'https://x.test', title: 't', start_index: 0, end_index: 5 },
            },
          ],
        },
        logprobs: { content: [lp('Hello'), lp(' world')], refusal: null },
        finish_reason: 'stop',
      },
    ],
    usage,
  },
  'parallel tool calls': {
    ...base,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
            { id: 'call_b', type: 'function', function: { name: 'b', arguments: '{"y":2}' } },
          ],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
  },
  'n: 2 and refusal': {
    ...base,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'one', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
      {
        index: 1,
        message: { role: 'assistant', content: null, refusal: 'no' },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage,
  },
  audio: {
    ...base,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          audio: { id: 'audio_1', data: 'AAAA', transcript: 'hi', expires_at: 99 },
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
  },
};

describe('chat stream fidelity (JSON -> stream -> openai ChatCompletionStream)', () => {
  for (const [name, answer] of Object.entries(answers)) {
    it(`${name}: accumulates exactly the JSON answer`, async () => {
      const chunks = chatCompletionToChunks(answer, true);
      const { usage: expectedUsage, ...rest } = answer;
      const accumulated = (await accumulate(chunks)) as Json;
      expect(accumulated.choices).toEqual(rest.choices);
      if (expectedUsage) expect(accumulated.usage).toEqual(expectedUsage);
      // The role chunk never carries logprobs (openai would double them).
      for (const chunk of chunks) {
        const choice = (chunk.choices as Json[])[0];
        if (choice && (choice.delta as Json).role !== undefined) expect(choice.logprobs).toBeNull();
      }
    });

    it(`${name}: stream -> JSON gives back the answer`, () => {
      expect(chatChunksToCompletion(chatCompletionToChunks(answer, true))).toEqual({
        ...answer,
        ...(answer.usage ? {} : {}),
      });
    });
  }

  it('usage chunk only for include_usage callers, whenever the entry has usage', () => {
    const answer = answers['n: 2 and refusal'] as Json;
    expect(chatCompletionToChunks(answer, true).at(-1)).toMatchObject({ choices: [], usage });
    expect(chatCompletionToChunks(answer, false).some((c) => 'usage' in c)).toBe(false);
  });
});

describe('withCache(openai) streams against the mock server', () => {
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

  it('a consumer editing its chunks changes nothing stored or seen by later callers', async () => {
    const seen: unknown[] = [];
    for await (const chunk of await openai.chat.completions.create(params('Mutate me'))) {
      seen.push(structuredClone(chunk));
      const mutable = chunk as { usage?: unknown; choices: { delta: { content?: string | null } }[] };
      delete mutable.usage;
      for (const choice of mutable.choices) if (choice.delta.content) choice.delta.content = 'EDITED';
    }
    const replay: unknown[] = [];
    const again = await openai.chat.completions.create(params('Mutate me'));
    expect(cacheStatus(again)).toBe('hit');
    for await (const chunk of again) replay.push(chunk);
    expect(replay).toEqual(seen);
    expect(JSON.stringify(replay)).not.toContain('EDITED');
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

describe('responses JSON -> stream', () => {
  const response: Json = {
    id: 'resp_1',
    object: 'response',
    status: 'completed',
    model: 'gpt-test',
    output: [
      { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Thinking.' }] },
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Hi', annotations: [], logprobs: [lp('Hi')] }],
      },
    ],
  };

  it('replays reasoning-summary events and the logprobs, and assembles back', () => {
    const events = responseToEvents(response);
    const types = events.map((event) => event.type);
    expect(types).toContain('response.reasoning_summary_text.delta');
    expect(events.find((e) => e.type === 'response.reasoning_summary_text.done')).toMatchObject({
      text: 'Thinking.',
      summary_index: 0,
    });
    expect(events.find((e) => e.type === 'response.output_text.delta')).toMatchObject({
      logprobs: [lp('Hi')],
    });
    expect(responseEventsToResponse(events)).toEqual({ ...response, output_text: 'Hi' });
  });
});
