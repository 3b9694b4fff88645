/**
 * `LangChainCache` with LangChain's own fakes (`FakeListChatModel`, `FakeStreamingChatModel`,
 * `FakeLLM`), on memory and on the shared real redis-server: a second identical call is answered
 * from the cache with the whole generation; what LangChain passes to a cache (prompt string, llm
 * string) and what that means for bound tools and multimodal content (langchainjs#10092, #3582).
 */
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { AIMessage, AIMessageChunk, HumanMessage } from '@langchain/core/messages';
import { FakeListChatModel, FakeLLM, FakeStreamingChatModel } from '@langchain/core/utils/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AIResponseCache, type AIResponseCacheOptions, ValidationError } from '../../src/index.js';
import { normalizeLlmString } from '../../src/integrations/langchain/cache.js';
import { contentKey, LangChainCache } from '../../src/integrations/langchain/index.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';

const caches: AIResponseCache[] = [];
afterAll(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});

function cacheOn(options: AIResponseCacheOptions): AIResponseCache {
  const ai = new AIResponseCache(options);
  caches.push(ai);
  return ai;
}

const USAGE = {
  input_tokens: 12,
  output_tokens: 7,
  total_tokens: 19,
  input_token_details: { cache_read: 2 },
};
const TOOL_CALLS = [{ id: 'call_1', name: 'weather', args: { city: 'Paris' }, type: 'tool_call' as const }];
const INVALID_TOOL_CALLS = [
  { id: 'call_2', name: 'clock', args: '{"tz":', error: 'bad JSON', type: 'invalid_tool_call' as const },
];
const CONTENT = [
  { type: 'text', text: 'Let me check the weather.' },
  { type: 'reasoning', reasoning: 'the user wants Paris' },
];
const GENERATION_INFO = { finish_reason: 'tool_calls', logprobs: null };

/** LangChain's FakeListChatModel answering with a whole generation (as a provider's model does). */
class RichFakeChatModel extends FakeListChatModel {
  override _formatGeneration(text: string) {
    const message = new AIMessage({
      content: CONTENT,
      id: `msg-${text}`,
      name: 'assistant',
      tool_calls: TOOL_CALLS,
      invalid_tool_calls: INVALID_TOOL_CALLS,
      additional_kwargs: { refusal: null, system_fingerprint: 'fp_1' },
      response_metadata: { model_name: 'fake-gpt', finish_reason: 'tool_calls' },
    });
    // Chat models set usage after construction (LangChain's message.toDict() loses it then).
    (message as { usage_metadata?: unknown }).usage_metadata = USAGE;
    return { text, message, generationInfo: GENERATION_INFO };
  }
}

/** Counts the model's own calls (`_generate`, and `_streamResponseChunks` for streaming paths). */
function counted<M extends FakeListChatModel | FakeStreamingChatModel | FakeLLM>(model: M) {
  const generate = vi.spyOn(model as FakeListChatModel, '_generate');
  return { model, calls: () => generate.mock.calls.length };
}

function suite(label: string, makeCache: (prefix: string) => AIResponseCache): void {
  it(`${label}: the second identical call is answered from the cache with the whole generation`, async () => {
    const ai = makeCache(uniqueCachePrefix('lc'));
    const cache = new LangChainCache(ai);
    const { model, calls } = counted(new RichFakeChatModel({ responses: ['one', 'two'], cache }));
    const first = await model.invoke('What is the weather in Paris?');
    const second = await model.invoke('What is the weather in Paris?');
    expect(calls()).toBe(1);
    expect(second).toBeInstanceOf(AIMessage);
    expect(second.content).toEqual(CONTENT);
    expect(second.content).toEqual(first.content);
    expect(second.tool_calls).toEqual(TOOL_CALLS);
    expect(second.invalid_tool_calls).toEqual(INVALID_TOOL_CALLS);
    expect(second.id).toBe('msg-one');
    expect(second.name).toBe('assistant');
    expect(second.additional_kwargs).toEqual(first.additional_kwargs);
    expect(second.response_metadata).toEqual(first.response_metadata);
    expect(first.usage_metadata).toEqual(USAGE);
    // LangChain itself reports a cache hit as costing no tokens (for every BaseCache) ...
    expect(second.usage_metadata).toEqual({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
    // ... while the stored generation keeps the model's usage, counted as savings.
    expect(ai.stats().savings.tokens).toEqual({ prompt: 12, completion: 7, total: 19 });
    expect(ai.stats().savings.upstreamCallsAvoided).toBe(1);
  });

  it(`${label}: lookup returns the stored generation (usage, generationInfo) as new objects every time`, async () => {
    const ai = makeCache(uniqueCachePrefix('lc'));
    const seen: string[] = [];
    class Recording extends LangChainCache {
      override update(prompt: string, llmString: string, value: Parameters<LangChainCache['update']>[2]) {
        seen.push(prompt, llmString);
        return super.update(prompt, llmString, value);
      }
    }
    const cache = new Recording(ai);
    const { model } = counted(new RichFakeChatModel({ responses: ['one'], cache }));
    const result = await model.generate([[new HumanMessage('hello')]]);
    expect(result.generations[0]?.[0]?.generationInfo).toEqual(GENERATION_INFO);
    const [prompt = '', llmString = ''] = seen;
    expect(prompt).toBe('Human: hello');
    const a = await cache.lookup(prompt, llmString);
    const b = await cache.lookup(prompt, llmString);
    const message = (a?.[0] as { message?: AIMessage } | undefined)?.message;
    expect(message?.usage_metadata).toEqual(USAGE);
    expect(a?.[0]?.generationInfo).toEqual(GENERATION_INFO);
    expect(a?.[0]?.text).toBe('one');
    expect(a).toEqual(b);
    expect(a?.[0]).not.toBe(b?.[0]);
    expect(message).not.toBe((b?.[0] as { message?: AIMessage } | undefined)?.message);
  });

  it(`${label}: FakeStreamingChatModel tool calls survive, and a streamed generation comes back as an AIMessageChunk`, async () => {
    const ai = makeCache(uniqueCachePrefix('lc'));
    const chunks = [
      new AIMessageChunk({ content: '', tool_calls: TOOL_CALLS }),
      new AIMessageChunk({ content: 'done', additional_kwargs: { note: 'x' } }),
    ];
    const make = () =>
      new FakeStreamingChatModel({
        responses: [new AIMessage('Checking.')],
        chunks,
        cache: new LangChainCache(ai),
      });
    const { model, calls } = counted(make());
    const first = await model.invoke('weather?');
    const second = await model.invoke('weather?');
    expect(calls()).toBe(1);
    expect(second.tool_calls).toEqual(first.tool_calls);
    expect(second.tool_calls?.[0]).toMatchObject({ name: 'weather', args: { city: 'Paris' } });

    // With a streaming callback handler, BaseChatModel.generate streams and stores the
    // aggregated ChatGenerationChunk: the hit is an AIMessageChunk with its tool call chunks.
    const streamed = make();
    const stream = vi.spyOn(streamed, '_streamResponseChunks');
    class Streamer extends BaseCallbackHandler {
      name = 'streamer';
      lc_prefer_streaming = true;
      tokens = 0;
      override handleLLMNewToken() {
        this.tokens++;
      }
    }
    const handler = new Streamer();
    const live = await streamed.invoke('stream the weather?', { callbacks: [handler] });
    const hit = await streamed.invoke('stream the weather?', { callbacks: [handler] });
    expect(stream).toHaveBeenCalledTimes(1);
    expect(live).toBeInstanceOf(AIMessageChunk);
    expect(hit).toBeInstanceOf(AIMessageChunk);
    expect(hit.content).toBe('done');
    expect(hit.tool_calls).toEqual(live.tool_calls);
    expect((hit as AIMessageChunk).tool_call_chunks).toEqual((live as AIMessageChunk).tool_call_chunks);
    expect(hit.additional_kwargs).toEqual(live.additional_kwargs);
  });

  it(`${label}: text LLMs (FakeLLM) are cached too`, async () => {
    const ai = makeCache(uniqueCachePrefix('lc'));
    const { model, calls } = counted(new FakeLLM({ response: 'forty-two', cache: new LangChainCache(ai) }));
    expect(await model.invoke('the answer?')).toBe('forty-two');
    expect(await model.invoke('the answer?')).toBe('forty-two');
    expect(calls()).toBe(1);
  });
}

describe('LangChainCache over memory', () => {
  suite('memory', (prefix) => cacheOn({ prefix }));
});

describeRedis('LangChainCache over Redis', (url) => {
  suite('redis', (prefix) => cacheOn({ redisUrl: url, prefix }));

  it('two processes-like caches share an answer, and no prompt or llm string is in a key name', async () => {
    const prefix = uniqueCachePrefix('lc');
    const secret = 'my-secret-prompt-text';
    const one = counted(
      new RichFakeChatModel({
        responses: ['one'],
        cache: new LangChainCache(cacheOn({ redisUrl: url, prefix })),
      }),
    );
    const two = counted(
      new RichFakeChatModel({
        responses: ['two'],
        cache: new LangChainCache(cacheOn({ redisUrl: url, prefix })),
      }),
    );
    const a = await one.model.invoke(secret);
    const b = await two.model.invoke(secret);
    expect(one.calls() + two.calls()).toBe(1);
    expect(b.id).toBe(a.id);
    const redis = new Redis(url);
    try {
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key).not.toContain(secret);
        expect(key).not.toContain('fake-list');
      }
    } finally {
      redis.disconnect();
    }
  });
});

describe('LangChainCache: what LangChain passes to a cache', () => {
  it('bound tools and tool_choice are in the llm string: different tools never share an answer', async () => {
    const ai = cacheOn({ prefix: uniqueCachePrefix('lc') });
    const llmStrings: string[] = [];
    class Recording extends LangChainCache {
      override lookup(prompt: string, llmString: string) {
        llmStrings.push(llmString);
        return super.lookup(prompt, llmString);
      }
    }
    const { model, calls } = counted(
      new FakeListChatModel({ responses: ['a', 'b', 'c'], cache: new Recording(ai) }),
    );
    const tool = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object' } } });
    // Provider chat models implement bindTools() as withConfig({ tools, ... }): the tools become
    // call options. (FakeListChatModel.bindTools builds a new model and drops `cache`.)
    const weather = model.withConfig({ tools: [tool('weather')] } as never);
    const clock = model.withConfig({ tools: [tool('clock')] } as never);
    const forced = model.withConfig({ tools: [tool('weather')], tool_choice: 'weather' } as never);
    expect(await weather.invoke('hi')).toMatchObject({ content: 'a' });
    expect(await clock.invoke('hi')).toMatchObject({ content: 'b' });
    expect(await forced.invoke('hi')).toMatchObject({ content: 'c' });
    expect(await weather.invoke('hi')).toMatchObject({ content: 'a' });
    expect(calls()).toBe(3);
    expect(llmStrings[0]).toContain('tools:[{"type":"function","function":{"name":"weather"');
    expect(llmStrings[2]).toContain('tool_choice:"weather"');
  });

  const image = (data: string) =>
    new HumanMessage({
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${data}` } },
      ],
    });

  it('image and document blocks are not in the prompt string: by default such prompts are not cached', async () => {
    const ai = cacheOn({ prefix: uniqueCachePrefix('lc') });
    const prompts: string[] = [];
    class Recording extends LangChainCache {
      override lookup(prompt: string, llmString: string) {
        prompts.push(prompt);
        return super.lookup(prompt, llmString);
      }
    }
    const { model, calls } = counted(
      new FakeListChatModel({ responses: ['a cat', 'a dog'], cache: new Recording(ai) }),
    );
    expect(await model.invoke([image('Q0FU')])).toMatchObject({ content: 'a cat' });
    expect(await model.invoke([image('RE9H')])).toMatchObject({ content: 'a dog' });
    await model.invoke([
      new HumanMessage({ content: [{ type: 'document', source: { data: 'x' } }] as never }),
    ]);
    expect(prompts[0]).toBe('Human: What is in this picture?[image]');
    expect(prompts[1]).toBe(prompts[0]);
    expect(prompts[2]).toBe('Human: [document]');
    expect(calls()).toBe(3);
    expect(ai.stats().sets).toBe(0);
  });

  it('contentKey(messages) makes the whole content part of the key', async () => {
    const ai = cacheOn({ prefix: uniqueCachePrefix('lc') });
    const { model, calls } = counted(
      new FakeListChatModel({ responses: ['a cat', 'a dog'], cache: new LangChainCache(ai) }),
    );
    const cat = [image('Q0FU')];
    const dog = [image('RE9H')];
    expect(await model.invoke(cat, contentKey(cat))).toMatchObject({ content: 'a cat' });
    expect(await model.invoke(dog, contentKey(dog))).toMatchObject({ content: 'a dog' });
    expect(await model.invoke(cat, contentKey(cat))).toMatchObject({ content: 'a cat' });
    expect(calls()).toBe(2);
    expect(contentKey(cat)).toEqual(contentKey([image('Q0FU')]));
  });

  it("unkeyedContent: 'cache' shares one answer between two images (the false hit of langchainjs#10092)", async () => {
    const ai = cacheOn({ prefix: uniqueCachePrefix('lc') });
    const cache = new LangChainCache(ai, { unkeyedContent: 'cache' });
    const { model, calls } = counted(new FakeListChatModel({ responses: ['a cat', 'a dog'], cache }));
    expect(await model.invoke([image('Q0FU')])).toMatchObject({ content: 'a cat' });
    expect(await model.invoke([image('RE9H')])).toMatchObject({ content: 'a cat' });
    expect(calls()).toBe(1);
  });

  it('an abort signal (copied into the llm string as signal:{}) and the API key do not change the key', async () => {
    const ai = cacheOn({ prefix: uniqueCachePrefix('lc') });
    const llmStrings: string[] = [];
    class Recording extends LangChainCache {
      override lookup(prompt: string, llmString: string) {
        llmStrings.push(llmString);
        return super.lookup(prompt, llmString);
      }
    }
    const { model, calls } = counted(
      new FakeListChatModel({ responses: ['a', 'b'], cache: new Recording(ai) }),
    );
    await model.invoke('hi');
    expect(await model.invoke('hi', { signal: new AbortController().signal })).toMatchObject({
      content: 'a',
    });
    expect(calls()).toBe(1);
    expect(llmStrings[1]).toContain(',signal:{}');
    expect(normalizeLlmString('_model:"m",_type:"t",signal:{},stop:["x"]')).toBe(
      '_model:"m",_type:"t",stop:["x"]',
    );
    expect(normalizeLlmString('signal:{}')).toBe('');
    // ChatOpenAI's llm string spreads its client configuration: the API key is dropped too
    // (credentials never change an answer); a quoted "apiKey" inside a value is kept.
    expect(normalizeLlmString('_type:"openai",apiKey:"sk-\\"x",model:"m",signal:{}')).toBe(
      '_type:"openai",model:"m"',
    );
    expect(normalizeLlmString('apiKey:undefined,x:1')).toBe('x:1');
    expect(normalizeLlmString('tools:[{"apiKey":"k"}]')).toBe('tools:[{"apiKey":"k"}]');
  });

  it('stream() never consults a cache (langchainjs#3582): each stream calls the model', async () => {
    const ai = cacheOn({ prefix: uniqueCachePrefix('lc') });
    const cache = new LangChainCache(ai);
    const lookup = vi.spyOn(cache, 'lookup');
    const model = new FakeListChatModel({ responses: ['hey'], cache });
    const stream = vi.spyOn(model, '_streamResponseChunks');
    for (let i = 0; i < 2; i++) {
      let text = '';
      for await (const chunk of await model.stream('hi')) text += chunk.content;
      expect(text).toBe('hey');
    }
    expect(stream).toHaveBeenCalledTimes(2);
    expect(lookup).not.toHaveBeenCalled();
  });
});

describe('LangChainCache options', () => {
  it('keyExtra and namespace separate entries', async () => {
    const ai = cacheOn({ prefix: uniqueCachePrefix('lc') });
    let version = 'v1';
    const { model, calls } = counted(
      new FakeListChatModel({
        responses: ['a', 'b', 'c'],
        cache: new LangChainCache(ai, { keyExtra: () => version }),
      }),
    );
    await model.invoke('hi');
    await model.invoke('hi');
    version = 'v2';
    await model.invoke('hi');
    expect(calls()).toBe(2);

    const a = counted(
      new FakeListChatModel({ responses: ['a'], cache: new LangChainCache(ai, { namespace: 'tenant-a' }) }),
    );
    const b = counted(
      new FakeListChatModel({ responses: ['b'], cache: new LangChainCache(ai, { namespace: 'tenant-b' }) }),
    );
    expect(await a.model.invoke('hi')).toMatchObject({ content: 'a' });
    expect(await b.model.invoke('hi')).toMatchObject({ content: 'b' });
    expect(await a.model.invoke('hi')).toMatchObject({ content: 'a' });
    expect(a.calls() + b.calls()).toBe(2);
  });

  it('throws one ValidationError listing every invalid option', () => {
    const ai = cacheOn({ prefix: uniqueCachePrefix('lc') });
    const bad = {
      operation: 'a:b',
      namespace: 'has space',
      ttl: -5,
      unkeyedContent: 'sometimes',
      keyExtra: 1,
    };
    let error: unknown;
    try {
      new LangChainCache(ai, bad as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(
      ['keyExtra', 'namespace', 'operation', 'ttl', 'unkeyedContent'].sort(),
    );
  });

  it('a generation that cannot be stored is a skipped write, never a failed call', async () => {
    const ai = cacheOn({ prefix: uniqueCachePrefix('lc') });
    const errors: Error[] = [];
    class Unstorable extends FakeListChatModel {
      override _formatGeneration(text: string) {
        return { text, message: new AIMessage(text), generationInfo: { big: 1n } };
      }
    }
    const cache = new LangChainCache(ai, { onError: (e) => errors.push(e) });
    const { model, calls } = counted(new Unstorable({ responses: ['x'], cache }));
    expect(await model.invoke('hi')).toMatchObject({ content: 'x' });
    expect(await model.invoke('hi')).toMatchObject({ content: 'x' });
    expect(calls()).toBe(2);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(TypeError);
  });
});
