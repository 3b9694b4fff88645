import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { AIResponseCache } from '../../src/index.js';
import { cacheStatus, withCache } from '../../src/integrations/openai/index.js';

/** The openai wrapper on the call path: sharing, keys and background reads, end to end. */
describe('withCache(openai) on the call path', () => {
  let server: MockOpenAI;
  let other: MockOpenAI;
  const opened: AIResponseCache[] = [];
  const cache = () => {
    const ai = new AIResponseCache();
    opened.push(ai);
    return ai;
  };
  const clientOf = (s: MockOpenAI) => new OpenAI({ baseURL: s.url, apiKey: 'sk-test', maxRetries: 0 });
  beforeAll(async () => {
    server = await startMockOpenAI({ latencyMs: { firstTokenMs: 5, perChunkMs: 1, responseMs: 10 } });
    other = await startMockOpenAI({ latencyMs: 0 });
  });
  afterAll(async () => {
    await Promise.all(opened.map((ai) => ai.close()));
    await server.close();
    await other.close();
  });
  const body = (text: string) => ({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user' as const, content: text }],
  });

  it('10 streaming + 10 non-streaming identical concurrent calls make 1 upstream call', async () => {
    server.resetCalls();
    const openai = withCache(clientOf(server), { cache: cache() });
    const texts = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        if (i % 2 === 1) {
          const completion = await openai.chat.completions.create(body('twenty callers'));
          return completion.choices[0]?.message.content;
        }
        const stream = await openai.chat.completions.create({ ...body('twenty callers'), stream: true });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        return text;
      }),
    );
    expect(server.calls.total).toBe(1);
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]?.length).toBeGreaterThan(0);
  });

  it('a loop broken at the chunk with finish_reason still leaves a hit', async () => {
    server.resetCalls();
    const openai = withCache(clientOf(server), { cache: cache() });
    const params = {
      ...body('break at finish'),
      stream: true as const,
      stream_options: { include_usage: true },
    };
    const stream = await openai.chat.completions.create(params);
    for await (const chunk of stream) if (chunk.choices[0]?.finish_reason) break;
    await vi.waitFor(async () => {
      const hit = await openai.chat.completions.create(body('break at finish'));
      expect(cacheStatus(hit)).toBe('hit');
      expect(hit.usage?.total_tokens).toBeGreaterThan(0);
    });
    expect(server.calls.total).toBe(1);
  });

  it('two base URLs never share an answer, even with one cache and one model name', async () => {
    server.resetCalls();
    other.resetCalls();
    const ai = cache();
    const a = withCache(clientOf(server), { cache: ai });
    const b = withCache(clientOf(other), { cache: ai });
    await a.chat.completions.create(body('same question'));
    const fromB = await b.chat.completions.create(body('same question'));
    expect(cacheStatus(fromB)).toBe('miss');
    expect(cacheStatus(await a.chat.completions.create(body('same question')))).toBe('hit');
    expect([server.calls.total, other.calls.total]).toEqual([1, 1]);
  });

  it('keys a call once: one prepare (or prepareNow) per call, hit or miss', async () => {
    const ai = cache();
    const openai = withCache(clientOf(other), { cache: ai });
    const prepare = vi.spyOn(ai, 'prepare');
    const prepareNow = vi.spyOn(ai, 'prepareNow');
    const lookup = vi.spyOn(ai, 'lookupResponse');
    const keyFor = vi.spyOn(ai, 'keyFor');
    const keyings = () => prepare.mock.calls.length + prepareNow.mock.calls.length;
    await openai.chat.completions.create(body('keyed once'));
    expect(keyings()).toBe(1);
    // A miss keyed synchronously is not keyed again on its asynchronous path.
    await openai.chat.completions.create(body('keyed once, second request'));
    expect(keyings()).toBe(2);
    const hit = await openai.chat.completions.create(body('keyed once'));
    expect(cacheStatus(hit)).toBe('hit');
    expect(keyings()).toBe(3);
    expect(lookup).not.toHaveBeenCalled();
    expect(keyFor).not.toHaveBeenCalled();
  });

  it('serializes the request body of a hit once per call (the key is computed once)', async () => {
    const openai = withCache(clientOf(other), { cache: cache() });
    let serialized = 0;
    // A part of the body that counts how often it is serialized (JSON honours toJSON).
    const counted = {
      toJSON: () => {
        serialized++;
        return 'count my serializations';
      },
    };
    const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: counted as never }] };
    await openai.chat.completions.create(params);
    const afterMiss = serialized;
    for (let i = 1; i <= 3; i++) {
      const hit = await openai.chat.completions.create(params);
      expect(cacheStatus(hit)).toBe('hit');
      expect(serialized - afterMiss).toBe(i);
    }
  });

  it('n: 1 is keyed as absent; a store:false Responses answer is never served to a caller that stores', async () => {
    other.resetCalls();
    const openai = withCache(clientOf(other), { cache: cache() });
    await openai.chat.completions.create(body('n one'));
    expect(cacheStatus(await openai.chat.completions.create({ ...body('n one'), n: 1 }))).toBe('hit');
    const unstored = await openai.responses.create({ model: 'gpt-4o-mini', input: 'chain me', store: false });
    const stored = await openai.responses.create({ model: 'gpt-4o-mini', input: 'chain me' });
    expect(cacheStatus(unstored)).toBe('miss');
    expect(cacheStatus(stored)).toBe('miss');
    expect(
      cacheStatus(await openai.responses.create({ model: 'gpt-4o-mini', input: 'chain me', store: true })),
    ).toBe('hit');
  });

  it('sampling: bypass leaves sampled requests uncached; per call too', async () => {
    other.resetCalls();
    const openai = withCache(clientOf(other), { cache: cache(), sampling: 'bypass' });
    const hot = { ...body('creative'), temperature: 0.9 };
    await openai.chat.completions.create(hot);
    expect(cacheStatus(await openai.chat.completions.create(hot))).toBe('bypass');
    const cold = { ...body('creative'), temperature: 0 };
    await openai.chat.completions.create(cold);
    expect(cacheStatus(await openai.chat.completions.create(cold))).toBe('hit');
    expect(cacheStatus(await openai.chat.completions.create(cold, { cache: { sampling: 'first' } }))).toBe(
      'hit',
    );
  });
});
