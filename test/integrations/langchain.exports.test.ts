/**
 * Direct tests of the exports of `ai-response-cache/langchain` no other suite names: the entry
 * format of generations (`storeGenerations`, `reviveGenerations`, `isStoredGenerations`) and the
 * constants `CACHE_METADATA_KEY`, `CONTENT_KEY_OPTION` and `UNKEYED_CONTENT_MARKERS`, through
 * `LangChainCache` and LangChain's own fake chat model.
 */
import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type Generation, GenerationChunk } from '@langchain/core/outputs';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AIResponseCache } from '../../src/index.js';
import {
  CACHE_METADATA_KEY,
  CONTENT_KEY_OPTION,
  contentKey,
  isStoredGenerations,
  LangChainCache,
  reviveGenerations,
  storeGenerations,
  UNKEYED_CONTENT_MARKERS,
} from '../../src/integrations/langchain/index.js';

const caches: AIResponseCache[] = [];
afterAll(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});
const newCache = () => {
  const ai = new AIResponseCache({});
  caches.push(ai);
  return ai;
};

const USAGE = { input_tokens: 12, output_tokens: 7, total_tokens: 19 };

/** An AI message as chat models make it: usage and id assigned after construction. */
function aiMessage(): AIMessage {
  const message = new AIMessage({
    content: [{ type: 'text', text: 'Paris.' }],
    tool_calls: [{ id: 'call_1', name: 'weather', args: { city: 'Paris' }, type: 'tool_call' }],
    response_metadata: { model_name: 'fake-gpt', finish_reason: 'stop' },
    additional_kwargs: { system_fingerprint: 'fp_1' },
  });
  (message as { usage_metadata?: unknown }).usage_metadata = USAGE;
  message.id = 'msg-1';
  return message;
}

describe('storeGenerations', () => {
  it('stores a text generation with its generationInfo, as versioned JSON', () => {
    const entry = storeGenerations([{ text: 'hello', generationInfo: { finish_reason: 'stop' } }]);
    expect(entry).toEqual({
      v: 1,
      generations: [{ text: 'hello', generationInfo: { finish_reason: 'stop' } }],
    });
    expect(JSON.parse(JSON.stringify(entry))).toEqual(entry);
  });

  it('stores an AI message field by field, late-assigned usage and id included', () => {
    const entry = storeGenerations([{ text: 'Paris.', message: aiMessage() } as Generation]);
    const stored = entry.generations[0]?.message;
    expect(stored?.kind).toBe('ai');
    expect(stored?.data).toMatchObject({
      id: 'msg-1',
      content: [{ type: 'text', text: 'Paris.' }],
      usage_metadata: USAGE,
      response_metadata: { model_name: 'fake-gpt', finish_reason: 'stop' },
      additional_kwargs: { system_fingerprint: 'fp_1' },
    });
    expect((stored?.data as { tool_calls?: unknown[] } | undefined)?.tool_calls).toHaveLength(1);
  });

  it("marks chunks and AI message chunks; other messages go through LangChain's stored form", () => {
    const entry = storeGenerations([
      new GenerationChunk({ text: 'partial' }),
      new ChatGenerationChunk({ text: 'chunk', message: new AIMessageChunk({ content: 'chunk' }) }),
      { text: 'system', message: new SystemMessage('Be brief.') } as Generation,
    ]);
    expect(entry.generations[0]).toEqual({ text: 'partial', chunk: true });
    expect(entry.generations[1]).toMatchObject({ chunk: true, message: { kind: 'ai-chunk' } });
    expect(entry.generations[2]?.message).toMatchObject({ kind: 'stored', data: { type: 'system' } });
  });

  it('copies: later edits of the generation do not reach the entry', () => {
    const info: Record<string, unknown> = { finish_reason: 'stop' };
    const entry = storeGenerations([{ text: 't', generationInfo: info }]);
    info.finish_reason = 'changed';
    expect(entry.generations[0]?.generationInfo).toEqual({ finish_reason: 'stop' });
  });

  it('throws a TypeError for data JSON cannot represent (a cycle, a BigInt)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => storeGenerations([{ text: 't', generationInfo: cyclic }])).toThrow(TypeError);
    expect(() => storeGenerations([{ text: 't', generationInfo: { n: 1n } }])).toThrow(TypeError);
  });
});

describe('reviveGenerations', () => {
  it('revives each generation with its class: AIMessage, AIMessageChunk in a ChatGenerationChunk, GenerationChunk', () => {
    const entry = JSON.parse(
      JSON.stringify(
        storeGenerations([
          { text: 'Paris.', message: aiMessage(), generationInfo: { finish_reason: 'stop' } } as Generation,
          new ChatGenerationChunk({ text: 'chunk', message: new AIMessageChunk({ content: 'chunk' }) }),
          new GenerationChunk({ text: 'partial' }),
          { text: 'question', message: new HumanMessage('Capital of France?') } as Generation,
          { text: 'plain' },
        ]),
      ),
    );
    const [ai, chunk, partial, human, plain] = reviveGenerations(entry) as (Generation & {
      message?: unknown;
    })[];
    expect(ai?.message).toBeInstanceOf(AIMessage);
    expect(ai?.message).not.toBeInstanceOf(AIMessageChunk);
    expect(ai?.generationInfo).toEqual({ finish_reason: 'stop' });
    const message = ai?.message as AIMessage;
    expect(message.id).toBe('msg-1');
    expect(message.usage_metadata).toEqual(USAGE);
    expect(message.tool_calls?.[0]).toMatchObject({ id: 'call_1', name: 'weather', args: { city: 'Paris' } });
    expect(chunk).toBeInstanceOf(ChatGenerationChunk);
    expect(chunk?.message).toBeInstanceOf(AIMessageChunk);
    expect(partial).toBeInstanceOf(GenerationChunk);
    expect(partial?.text).toBe('partial');
    expect(human?.message).toBeInstanceOf(HumanMessage);
    expect((human?.message as HumanMessage | undefined)?.content).toBe('Capital of France?');
    expect(plain).toEqual({ text: 'plain' });
  });

  it('builds new objects on every call: editing a revived message changes neither the entry nor the next revival', () => {
    const entry = storeGenerations([{ text: 'Paris.', message: aiMessage() } as Generation]);
    const snapshot = JSON.stringify(entry);
    const first = reviveGenerations(entry)[0] as Generation & { message: AIMessage };
    const usage = first.message.usage_metadata as unknown as { input_tokens: number };
    usage.input_tokens = 0;
    first.message.response_metadata.extra = true;
    const second = reviveGenerations(entry)[0] as Generation & { message: AIMessage };
    expect(second.message).not.toBe(first.message);
    expect(second.message.usage_metadata).toEqual(USAGE);
    expect(second.message.response_metadata.extra).toBeUndefined();
    expect(JSON.stringify(entry)).toBe(snapshot);
  });
});

describe('isStoredGenerations', () => {
  it('recognizes what storeGenerations writes, also after a JSON round trip', () => {
    const entry = storeGenerations([{ text: 'x' }]);
    expect(isStoredGenerations(entry)).toBe(true);
    expect(isStoredGenerations(JSON.parse(JSON.stringify(entry)))).toBe(true);
    expect(isStoredGenerations(storeGenerations([]))).toBe(true);
  });

  it('rejects anything else: other versions, other shapes, primitives', () => {
    for (const value of [
      null,
      undefined,
      'text',
      42,
      [],
      {},
      { v: 2, generations: [] },
      { v: '1', generations: [] },
      { v: 1, generations: {} },
      { v: 1 },
      [{ text: 'x' }],
    ]) {
      expect(isStoredGenerations(value)).toBe(false);
    }
  });
});

describe('CACHE_METADATA_KEY', () => {
  it("is where a hit's message carries { status: 'hit', usage_metadata } (absent on the miss)", async () => {
    const model = new FakeListChatModel({ responses: ['one', 'two'], cache: new LangChainCache(newCache()) });
    const miss = await model.invoke('metadata key');
    const hit = await model.invoke('metadata key');
    expect(hit.content).toBe(miss.content);
    expect(miss.response_metadata[CACHE_METADATA_KEY]).toBeUndefined();
    expect(hit.response_metadata[CACHE_METADATA_KEY]).toMatchObject({ status: 'hit' });
  });

  it('keeps the usage the model reported under it (LangChain zeroes usage_metadata on hits)', async () => {
    const ai = newCache();
    const cache = new LangChainCache(ai);
    await cache.update('prompt', 'llm', [{ text: 'Paris.', message: aiMessage() } as Generation]);
    const hit = (await cache.lookup('prompt', 'llm')) as (Generation & { message: AIMessage })[];
    expect(hit[0]?.message.response_metadata[CACHE_METADATA_KEY]).toEqual({
      status: 'hit',
      usage_metadata: USAGE,
    });
    expect(hit[0]?.message.response_metadata.model_name).toBe('fake-gpt');
  });
});

describe('CONTENT_KEY_OPTION', () => {
  const image = (data: string) =>
    new HumanMessage({
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${data}` } },
      ],
    });

  it('is the call option contentKey() sets: the sha256 of the messages', () => {
    const option = contentKey([image('Q0FU')]);
    expect(Object.keys(option)).toEqual([CONTENT_KEY_OPTION]);
    expect(option[CONTENT_KEY_OPTION]).toMatch(/^[0-9a-f]{64}$/);
    expect(contentKey([image('RE9H')])[CONTENT_KEY_OPTION]).not.toBe(option[CONTENT_KEY_OPTION]);
  });

  it('in the llm string it makes a prompt with an image marker cacheable, keyed by the content', async () => {
    const llmStrings: string[] = [];
    class Recording extends LangChainCache {
      override lookup(prompt: string, llmString: string) {
        llmStrings.push(llmString);
        return super.lookup(prompt, llmString);
      }
    }
    const model = new FakeListChatModel({ responses: ['a cat', 'a dog'], cache: new Recording(newCache()) });
    const calls = vi.spyOn(model, '_generate');
    const cat = [image('Q0FU')];
    await model.invoke(cat, contentKey(cat));
    expect(llmStrings[0]).toContain(`${CONTENT_KEY_OPTION}:`);
    expect(await model.invoke(cat, contentKey(cat))).toMatchObject({ content: 'a cat' });
    expect(calls).toHaveBeenCalledTimes(1);
    // Spelled out by hand, the option has the same effect.
    const cache = new LangChainCache(newCache());
    const gens = [{ text: 'x' }];
    await cache.update('Human: [image]', `${CONTENT_KEY_OPTION}:"abc"`, gens);
    expect(await cache.lookup('Human: [image]', `${CONTENT_KEY_OPTION}:"abc"`)).toEqual(gens);
  });
});

describe('UNKEYED_CONTENT_MARKERS', () => {
  it('a prompt containing any of them is not cached by default (bypass), nor looked up', async () => {
    expect(UNKEYED_CONTENT_MARKERS).toContain('[image]');
    const ai = newCache();
    const cache = new LangChainCache(ai);
    for (const marker of UNKEYED_CONTENT_MARKERS) {
      const prompt = `Human: describe this ${marker}`;
      await cache.update(prompt, 'llm', [{ text: 'an answer' }]);
      expect(await cache.lookup(prompt, 'llm')).toBeNull();
    }
    expect(ai.stats().sets).toBe(0);
  });

  it("with unkeyedContent: 'cache' such prompts are cached by their text; prompts without a marker always are", async () => {
    const cache = new LangChainCache(newCache(), { unkeyedContent: 'cache' });
    for (const marker of UNKEYED_CONTENT_MARKERS) {
      await cache.update(`Human: ${marker}`, 'llm', [{ text: marker }]);
      expect(await cache.lookup(`Human: ${marker}`, 'llm')).toEqual([{ text: marker }]);
    }
    const strict = new LangChainCache(newCache());
    await strict.update('Human: an image of a cat', 'llm', [{ text: 'cat' }]);
    expect(await strict.lookup('Human: an image of a cat', 'llm')).toEqual([{ text: 'cat' }]);
  });

  it('cannot be changed (a frozen list)', () => {
    expect(Object.isFrozen(UNKEYED_CONTENT_MARKERS)).toBe(true);
  });
});
