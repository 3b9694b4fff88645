import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { describe, expect, it } from 'vitest';
import {
  chatChunksToCompletion,
  chatCompletionToChunks,
  type Json,
} from '../../src/integrations/openai/convert.js';

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
