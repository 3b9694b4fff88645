/**
 * withCache(openai) on the memory tier, with the real `openai` client against the local mock
 * OpenAI server.
 */
import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions';
import { Stream } from 'openai/streaming';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import {
  AIResponseCache,
  type AIResponseCacheOptions,
  type CacheBackend,
  type CacheEvent,
  disabling,
  ValidationError,
} from '../../src/index.js';
import { cacheStatus, type WithCacheOptions, withCache } from '../../src/integrations/openai/index.js';

let server: MockOpenAI;
let ai: AIResponseCache;
let client: OpenAI;

beforeEach(async () => {
  server = await startMockOpenAI({ latencyMs: { firstTokenMs: 2, perChunkMs: 0, responseMs: 3 } });
  client = new OpenAI({ baseURL: server.url, apiKey: 'sk-test-secret', maxRetries: 0 });
});

afterEach(async () => {
  await server.close();
  await ai?.close();
});

function wrapped(options: Partial<WithCacheOptions> = {}, cacheOptions: AIResponseCacheOptions = {}) {
  ai = new AIResponseCache(cacheOptions);
  return withCache(client, { cache: ai, ...options });
}

const ask = (content: string, extra: Partial<ChatCompletionCreateParamsNonStreaming> = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content }],
  ...extra,
});

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

function tally(statuses: (string | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of statuses) out[String(s)] = (out[String(s)] ?? 0) + 1;
  return out;
}

describe('withCache: chat completions', () => {
  it('misses, then hits with the same answer and no upstream call', async () => {
    const openai = wrapped();
    const first = await openai.chat.completions.create(ask('Tell me about caching'));
    const second = await openai.chat.completions.create(ask('Tell me about caching'));
    expect(cacheStatus(first)).toBe('miss');
    expect(cacheStatus(second)).toBe('hit');
    expect(second).toEqual(first);
    expect(server.calls.total).toBe(1);
    expect(Object.isFrozen(second)).toBe(false);
  });

  it('keys on the canonical body: order and user/metadata/store do not matter, temperature and seed do', async () => {
    const openai = wrapped();
    const base = {
      model: 'gpt-4o-mini',
      temperature: 0.7,
      messages: [{ role: 'user' as const, content: 'Keys' }],
      response_format: { type: 'json_object' as const },
    };
    await openai.chat.completions.create(base);
    const reordered = await openai.chat.completions.create({
      response_format: { type: 'json_object' },
      messages: [{ content: 'Keys', role: 'user' }],
      temperature: 0.7,
      model: 'gpt-4o-mini',
      user: 'someone-else',
      metadata: { trace: 'x' },
      store: false,
    });
    expect(cacheStatus(reordered)).toBe('hit');
    const warmer = await openai.chat.completions.create({ ...base, temperature: 0.9 });
    expect(cacheStatus(warmer)).toBe('miss');
    const seeded = await openai.chat.completions.create({ ...base, seed: 42 });
    expect(cacheStatus(seeded)).toBe('miss');
    expect(cacheStatus(await openai.chat.completions.create({ ...base, seed: 42 }))).toBe('hit');
    expect(server.calls.total).toBe(3);
  });

  it('keys images by content', async () => {
    const openai = wrapped();
    const withImage = (data: string) =>
      ask('', {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this image?' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${data}` } },
            ],
          },
        ],
      });
    await openai.chat.completions.create(withImage('iVBORw0KGgoAAAA'));
    expect(cacheStatus(await openai.chat.completions.create(withImage('iVBORw0KGgoAAAA')))).toBe('hit');
    expect(cacheStatus(await openai.chat.completions.create(withImage('iVBORw0KGgoBBBB')))).toBe('miss');
  });

  it('never puts the API key or the base URL into a key', async () => {
    const openai = wrapped();
    await openai.chat.completions.create(ask('secret check'));
    const keys: string[] = [];
    for await (const key of ai.cache.backend?.keys() ?? []) keys.push(key);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join('\n')).not.toContain('sk-test-secret');
    expect(keys.join('\n')).not.toContain(String(server.port));
  });

  it('coalesces 50 concurrent identical calls into one upstream call', async () => {
    const openai = wrapped();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => openai.chat.completions.create(ask('Burst'))),
    );
    expect(server.calls.total).toBe(1);
    expect(tally(results.map(cacheStatus))).toEqual({ miss: 1, coalesced: 49 });
    for (const r of results) expect(r).toEqual(results[0]);
    expect(results[1]).not.toBe(results[0]);
    expect(ai.stats().savings.upstreamCallsAvoided).toBe(49);
  });

  it('does not store errors; upstream errors propagate as the client error class', async () => {
    const openai = wrapped();
    server.failNext(1, 500);
    const failed = openai.chat.completions.create(ask('Flaky'));
    await expect(failed).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    const retried = await openai.chat.completions.create(ask('Flaky'));
    expect(cacheStatus(retried)).toBe('miss');
    expect(server.calls.total).toBe(2);
  });

  it("does not store truncated answers (finish_reason 'length') unless configured", async () => {
    const openai = wrapped();
    const truncated = ask('Long story please', { max_tokens: 3 });
    const first = await openai.chat.completions.create(truncated);
    expect(first.choices[0]?.finish_reason).toBe('length');
    expect(cacheStatus(await openai.chat.completions.create(truncated))).toBe('miss');
    expect(server.calls.total).toBe(2);

    const lenient = withCache(client, { cache: ai, cacheFinishReasons: ['stop', 'length'] });
    await lenient.chat.completions.create(truncated);
    expect(cacheStatus(await lenient.chat.completions.create(truncated))).toBe('hit');
  });

  it('does not store empty answers', async () => {
    const openai = wrapped();
    const empty = await openai.chat.completions.create(ask('Say nothing [[empty]]'));
    expect(empty.choices[0]?.message.content).toBe('');
    expect(cacheStatus(await openai.chat.completions.create(ask('Say nothing [[empty]]')))).toBe('miss');
  });

  it('caches tool calls', async () => {
    const openai = wrapped();
    const params = ask('Weather? [[tool]]', {
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    const first = await openai.chat.completions.create(params);
    expect(first.choices[0]?.message.tool_calls?.length).toBe(1);
    const second = await openai.chat.completions.create(params);
    expect(cacheStatus(second)).toBe('hit');
    expect(second.choices[0]?.message.tool_calls).toEqual(first.choices[0]?.message.tool_calls);
  });

  it('counts saved tokens and dollars with a prices table', async () => {
    const openai = wrapped({}, { prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } } });
    const first = await openai.chat.completions.create(ask('Savings'));
    await openai.chat.completions.create(ask('Savings'));
    await openai.chat.completions.create(ask('Savings'));
    const { savings } = ai.stats();
    const usage = first.usage;
    if (!usage) throw new Error('the mock reports usage');
    expect(savings.upstreamCallsAvoided).toBe(2);
    expect(savings.tokens.prompt).toBe(2 * usage.prompt_tokens);
    expect(savings.tokens.completion).toBe(2 * usage.completion_tokens);
    const expected = (2 * (usage.prompt_tokens * 0.15 + usage.completion_tokens * 0.6)) / 1_000_000;
    expect(savings.costUsd).toBeCloseTo(expected, 12);
  });
});

describe('withCache: per-call options', () => {
  it('strips the cache option before the client sees it', async () => {
    const spy = vi.spyOn(client.chat.completions, 'create');
    const openai = wrapped();
    await openai.chat.completions.create(ask('Strip'), { cache: { noStore: true }, timeout: 5000 });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[1]).toEqual({ timeout: 5000 });
  });

  it('noCache skips the read, noStore the write, forceRefresh replaces the entry', async () => {
    const openai = wrapped();
    const p = ask('Options');
    await openai.chat.completions.create(p, { cache: { noStore: true } });
    expect(cacheStatus(await openai.chat.completions.create(p))).toBe('miss');
    expect(cacheStatus(await openai.chat.completions.create(p))).toBe('hit');
    const skipped = await openai.chat.completions.create(p, { cache: { noCache: true } });
    expect(cacheStatus(skipped)).toBe('miss');
    const refreshed = await openai.chat.completions.create(p, { cache: { forceRefresh: true } });
    expect(cacheStatus(refreshed)).toBe('miss');
    const after = await openai.chat.completions.create(p);
    expect(cacheStatus(after)).toBe('hit');
    expect(after.id).toBe(refreshed.id);
    expect(server.calls.total).toBe(4);
  });

  it('applies a per-call ttl', async () => {
    let now = Date.now();
    const openai = wrapped({}, { now: () => now });
    await openai.chat.completions.create(ask('Short-lived'), { cache: { ttl: '1s' } });
    expect(cacheStatus(await openai.chat.completions.create(ask('Short-lived')))).toBe('hit');
    now += 1500;
    expect(cacheStatus(await openai.chat.completions.create(ask('Short-lived')))).toBe('miss');
  });

  it('isolates namespaces', async () => {
    const openai = wrapped();
    await openai.chat.completions.create(ask('Tenant'), { cache: { namespace: 'a' } });
    const other = await openai.chat.completions.create(ask('Tenant'), { cache: { namespace: 'b' } });
    const same = await openai.chat.completions.create(ask('Tenant'), { cache: { namespace: 'a' } });
    expect([cacheStatus(other), cacheStatus(same)]).toEqual(['miss', 'hit']);
  });

  it('rejects invalid per-call options with ValidationError', async () => {
    const openai = wrapped();
    const bad = { cache: { ttl: 'soon', noCache: 'yes', bogus: 1 } } as never;
    const error = await openai.chat.completions.create(ask('Bad'), bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual([
      'cache.bogus',
      'cache.noCache',
      'cache.ttl',
    ]);
    expect(server.calls.total).toBe(0);
  });

  it("shouldCache returning false bypasses the cache and returns the client's own promise", async () => {
    const openai = wrapped({ shouldCache: ({ params }) => params.temperature === undefined });
    const first = openai.chat.completions.create(ask('Creative', { temperature: 1.2 }));
    const { data, response } = await first.withResponse();
    expect(response.ok).toBe(true);
    expect(cacheStatus(data)).toBe('bypass');
    expect(cacheStatus(await openai.chat.completions.create(ask('Creative', { temperature: 1.2 })))).toBe(
      'bypass',
    );
    expect(server.calls.total).toBe(2);
  });

  it('validates withCache options', () => {
    expect(() => withCache(client, { cache: {} as AIResponseCache, lock: { ttl: 'never' } })).toThrow(
      ValidationError,
    );
  });
});

describe('withCache: withResponse and asResponse', () => {
  it('gives the upstream response on a miss and a synthesized one on a hit', async () => {
    const openai = wrapped();
    const miss = await openai.chat.completions.create(ask('Raw')).withResponse();
    expect(miss.response.headers.get('x-cache')).toBe('miss');
    expect(cacheStatus(miss.data)).toBe('miss');
    const raw = await openai.chat.completions.create(ask('Raw')).asResponse();
    expect(raw.headers.get('x-cache')).toBe('hit');
    expect(await raw.json()).toEqual(miss.data);
    const rawMiss = await openai.chat.completions.create(ask('Raw 2')).asResponse();
    expect(((await rawMiss.json()) as { object: string }).object).toBe('chat.completion');
  });
});

describe('withCache: streaming', () => {
  const streamParams = (content: string) => ({
    ...ask(content),
    stream: true as const,
    stream_options: { include_usage: true },
  });

  it('replays identical chunks on a hit, as an openai Stream', async () => {
    const openai = wrapped();
    const missStream = await openai.chat.completions.create(streamParams('Stream this'));
    expect(missStream).toBeInstanceOf(Stream);
    const missChunks = await collect(missStream);
    expect(missChunks.at(-1)?.usage).toBeTruthy();
    const hitStream = await openai.chat.completions.create(streamParams('Stream this'));
    expect(cacheStatus(missStream)).toBe('miss');
    expect(cacheStatus(hitStream)).toBe('hit');
    expect(hitStream).toBeInstanceOf(Stream);
    expect(await collect(hitStream)).toEqual(missChunks);
    expect(server.calls.total).toBe(1);

    const [left, right] = (await openai.chat.completions.create(streamParams('Stream this'))).tee();
    expect(await collect(left)).toEqual(missChunks);
    expect(await collect(right)).toEqual(missChunks);

    const again = await openai.chat.completions.create(streamParams('Stream this'));
    const readable = again.toReadableStream();
    const replayed = await collect(
      Stream.fromReadableStream<ChatCompletionChunk>(readable, new AbortController()),
    );
    expect(replayed).toEqual(missChunks);
  });

  it('replays tool-call deltas, and shares one entry between streamed and plain calls', async () => {
    const openai = wrapped();
    const params = {
      ...ask('Use a tool [[tool]]'),
      tools: [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object' } } }],
    };
    const chunks = await collect(await openai.chat.completions.create({ ...params, stream: true }));
    expect(chunks.some((c) => c.choices[0]?.delta.tool_calls?.length)).toBe(true);
    const replay = await collect(await openai.chat.completions.create({ ...params, stream: true }));
    expect(replay).toEqual(chunks);
    const plain = await openai.chat.completions.create(params);
    expect(cacheStatus(plain)).toBe('hit');
    expect(plain.choices[0]?.finish_reason).toBe('tool_calls');
    expect(plain.choices[0]?.message.tool_calls?.[0]?.type).toBe('function');
    expect(server.calls.total).toBe(1);
  });

  it('replays a plain answer as a stream', async () => {
    const openai = wrapped();
    const plain = await openai.chat.completions.create(ask('Plain first'));
    const chunks = await collect(
      await openai.chat.completions.create({ ...ask('Plain first'), stream: true }),
    );
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(plain.choices[0]?.message.content);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(server.calls.total).toBe(1);
  });

  it('drops the usage chunk for callers that did not ask for it', async () => {
    const openai = wrapped();
    await collect(await openai.chat.completions.create(streamParams('Usage')));
    const chunks = await collect(await openai.chat.completions.create({ ...ask('Usage'), stream: true }));
    expect(chunks.every((c) => c.choices.length > 0 && !('usage' in c))).toBe(true);
  });

  it('does not store an aborted stream', async () => {
    server.setLatency({ firstTokenMs: 1, perChunkMs: 5 });
    const openai = wrapped();
    const stream = await openai.chat.completions.create(streamParams('Abort me'));
    let seen = 0;
    for await (const _ of stream) {
      if (++seen === 3) stream.controller.abort();
    }
    expect(seen).toBe(3);
    await vi.waitFor(() => expect(server.calls.aborted).toBe(1));
    server.setLatency(0);
    const next = await openai.chat.completions.create(streamParams('Abort me'));
    await collect(next);
    expect(cacheStatus(next)).toBe('miss');
    expect(server.calls.total).toBe(2);
  });

  it('attaches concurrent identical streams to one upstream stream', async () => {
    server.setLatency({ firstTokenMs: 5, perChunkMs: 1 });
    const openai = wrapped();
    const streams = await Promise.all(
      Array.from({ length: 10 }, () => openai.chat.completions.create(streamParams('Fan out'))),
    );
    const lists = await Promise.all(streams.map((s) => collect(s)));
    expect(server.calls.total).toBe(1);
    expect(tally(streams.map(cacheStatus))).toEqual({ miss: 1, coalesced: 9 });
    for (const list of lists) expect(list).toEqual(lists[0]);
    // A late joiner (while the stream is still live) gets every chunk as well.
    expect(cacheStatus(await openai.chat.completions.create(streamParams('Fan out')))).toBe('hit');
  });

  it('gives late joiners the chunks so far, then the live ones', async () => {
    server.setLatency({ firstTokenMs: 1, perChunkMs: 2 });
    const openai = wrapped();
    const first = await openai.chat.completions.create(streamParams('Late joiner'));
    const iterator = first[Symbol.asyncIterator]();
    const head = [(await iterator.next()).value, (await iterator.next()).value];
    const late = await openai.chat.completions.create(streamParams('Late joiner'));
    expect(cacheStatus(late)).toBe('coalesced');
    const rest: unknown[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value);
    expect(await collect(late)).toEqual([...head, ...rest]);
    expect(server.calls.total).toBe(1);
  });

  it('bypasses streams when streams: false', async () => {
    const openai = wrapped({ streams: false });
    const stream = await openai.chat.completions.create(streamParams('No stream caching'));
    await collect(stream);
    expect(cacheStatus(stream)).toBe('bypass');
  });
});

describe('withCache: embeddings', () => {
  const model = 'text-embedding-3-small';

  it('caches each input and sends only the misses, in one request', async () => {
    const openai = wrapped();
    const direct = await client.embeddings.create({ model, input: ['alpha one', 'beta two', 'gamma three'] });
    server.resetCalls();
    const first = await openai.embeddings.create({ model, input: ['alpha one', 'beta two'] });
    expect(cacheStatus(first)).toBe('miss');
    const second = await openai.embeddings.create({ model, input: ['gamma three', 'alpha one', 'beta two'] });
    expect(cacheStatus(second)).toBe('miss');
    expect(server.calls.total).toBe(2);
    expect((server.calls.bodies[1] as { input: unknown }).input).toEqual(['gamma three']);
    expect(second.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(second.data[0]?.embedding).toEqual(direct.data[2]?.embedding);
    expect(second.data[1]?.embedding).toEqual(direct.data[0]?.embedding);
    expect(Array.isArray(second.data[2]?.embedding)).toBe(true);
    expect(second.usage.prompt_tokens).toBe(2);

    const all = await openai.embeddings.create({ model, input: ['beta two', 'gamma three'] });
    expect(cacheStatus(all)).toBe('hit');
    expect(all.usage).toEqual({ prompt_tokens: 0, total_tokens: 0 });
    expect(server.calls.total).toBe(2);
    const single = await openai.embeddings.create({ model, input: 'alpha one' });
    expect(cacheStatus(single)).toBe('hit');
    expect(single.data[0]?.embedding).toEqual(direct.data[0]?.embedding);
  });

  it('caches token-array inputs as one entry', async () => {
    const openai = wrapped();
    const first = await openai.embeddings.create({
      model,
      input: [
        [1, 2, 3],
        [4, 5],
      ],
    });
    const second = await openai.embeddings.create({
      model,
      input: [
        [1, 2, 3],
        [4, 5],
      ],
    });
    expect([cacheStatus(first), cacheStatus(second)]).toEqual(['miss', 'hit']);
    expect(second.data).toEqual(first.data);
    expect(server.calls.total).toBe(1);
  });

  it('keys on model, dimensions and encoding format', async () => {
    const openai = wrapped();
    await openai.embeddings.create({ model, input: 'dims' });
    expect(cacheStatus(await openai.embeddings.create({ model, input: 'dims', dimensions: 4 }))).toBe('miss');
    expect(
      cacheStatus(await openai.embeddings.create({ model, input: 'dims', encoding_format: 'float' })),
    ).toBe('hit');
    const b64 = await openai.embeddings.create({ model, input: 'dims', encoding_format: 'base64' });
    expect(cacheStatus(b64)).toBe('miss');
    expect(typeof b64.data[0]?.embedding).toBe('string');
    expect(
      cacheStatus(await openai.embeddings.create({ model, input: 'dims', encoding_format: 'base64' })),
    ).toBe('hit');
  });
});

describe('withCache: responses', () => {
  it('misses, then hits; incomplete responses are not stored', async () => {
    const openai = wrapped();
    const first = await openai.responses.create({ model: 'gpt-4o-mini', input: 'Responses API' });
    const second = await openai.responses.create({ model: 'gpt-4o-mini', input: 'Responses API' });
    expect([cacheStatus(first), cacheStatus(second)]).toEqual(['miss', 'hit']);
    expect(second.output_text).toBe(first.output_text);
    expect(second.output_text.length).toBeGreaterThan(0);

    const short = { model: 'gpt-4o-mini', input: 'Truncate me', max_output_tokens: 2 };
    expect((await openai.responses.create(short)).status).toBe('incomplete');
    expect(cacheStatus(await openai.responses.create(short))).toBe('miss');
    expect(server.calls.total).toBe(3);
  });

  it('replays a streamed response and serves it to plain calls', async () => {
    const openai = wrapped();
    const params = { model: 'gpt-4o-mini', input: 'Stream responses', stream: true as const };
    const events = await collect(await openai.responses.create(params));
    expect(events.at(-1)?.type).toBe('response.completed');
    const replay = await openai.responses.create(params);
    expect(cacheStatus(replay)).toBe('hit');
    expect(await collect(replay)).toEqual(events);
    const plain = await openai.responses.create({ model: 'gpt-4o-mini', input: 'Stream responses' });
    expect(cacheStatus(plain)).toBe('hit');
    const done = events.at(-1);
    expect(done?.type === 'response.completed' && plain.id === done.response.id).toBe(true);
    expect(plain.output_text.length).toBeGreaterThan(0);
    expect(server.calls.total).toBe(1);
  });
});

describe('withCache: pass-through and failures', () => {
  it('passes other methods through untouched', async () => {
    const openai = wrapped();
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');
    expect(openai.apiKey).toBe('sk-test-secret');
    expect(openai.chat.completions.create).toBe(openai.chat.completions.create);
    const scoped = openai.withOptions({ timeout: 1000 });
    await scoped.chat.completions.create(ask('Scoped'));
    expect(cacheStatus(await openai.chat.completions.create(ask('Scoped')))).toBe('hit');
  });

  it('keeps working when the cache backend fails', async () => {
    const fail = async (): Promise<never> => {
      throw new Error('backend down');
    };
    const broken: CacheBackend = {
      name: 'broken',
      get: fail,
      set: fail,
      delete: fail,
      has: fail,
      clear: fail,
      async *keys() {},
      close: async () => {},
    };
    const openai = wrapped({}, { backend: broken, l1: false });
    const errors: CacheEvent[] = [];
    ai.on('error', (event) => errors.push(event));
    const first = await openai.chat.completions.create(ask('Broken cache'));
    const second = await openai.chat.completions.create(ask('Broken cache'));
    expect(first.choices[0]?.message.content).toBe(second.choices[0]?.message.content);
    expect([cacheStatus(first), cacheStatus(second)]).toEqual(['miss', 'miss']);
    expect(server.calls.total).toBe(2);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('reports absorbed failures to onError and stays uncached for unusable operations', async () => {
    const reported: Error[] = [];
    const openai = wrapped({ operation: () => 'bad:name', onError: (e) => reported.push(e) });
    const result = await openai.chat.completions.create(ask('Bad operation'));
    expect(result.choices.length).toBe(1);
    expect(cacheStatus(result)).toBe('bypass');
    expect(reported[0]).toBeInstanceOf(ValidationError);
  });
});

describe('withCache: runtime disabling and error events', () => {
  it("disabling(['get']) skips reads inside its async context only (Cache-Control: no-cache)", async () => {
    const openai = wrapped();
    await openai.chat.completions.create(ask('Disable me'));
    const inside = await disabling(['get'], () => openai.chat.completions.create(ask('Disable me')));
    expect(cacheStatus(inside)).toBe('miss');
    expect(server.calls.total).toBe(2);
    const outside = await openai.chat.completions.create(ask('Disable me'));
    expect(cacheStatus(outside)).toBe('hit');
    expect(server.calls.total).toBe(2);
  });

  it('failures the wrapper absorbs are error events of the AIResponseCache', async () => {
    const failingLock = {
      name: 'broken',
      tryAcquire: async () => {
        throw new Error('lock service down');
      },
      waitForRelease: async () => 'timeout' as const,
      close: async () => {},
    };
    const openai = wrapped({}, { lock: failingLock });
    const errors: CacheEvent[] = [];
    ai.on('error', (e) => errors.push(e));
    const answer = await openai.chat.completions.create(ask('Lock is down'));
    expect(answer.choices[0]?.message.content).toBeTruthy();
    expect(errors.some((e) => e.error?.message === 'lock service down')).toBe(true);
  });
});
