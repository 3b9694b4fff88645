/**
 * Direct tests of the exports of `ai-response-cache/openai` no other suite names:
 * `CachedAPIPromise` (what wrapped `create` calls return), `DEFAULT_CACHE_FINISH_REASONS`,
 * `DEFAULT_OPERATIONS` and `EXCLUDED_REQUEST_FIELDS`, each through the behaviour it drives, with
 * the real `openai` client against the local mock OpenAI server (or, for finish reasons the mock
 * cannot produce, a client `fetch` answering a fixed completion).
 */
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { AIResponseCache } from '../../src/index.js';
import {
  CachedAPIPromise,
  cacheStatus,
  DEFAULT_CACHE_FINISH_REASONS,
  DEFAULT_OPERATIONS,
  EXCLUDED_REQUEST_FIELDS,
  type WithCacheOptions,
  withCache,
} from '../../src/integrations/openai/index.js';

let server: MockOpenAI;
const caches: AIResponseCache[] = [];

beforeEach(async () => {
  server = await startMockOpenAI({ latencyMs: 0 });
});
afterEach(async () => {
  await server.close();
  await Promise.all(caches.splice(0).map((c) => c.close()));
});

function newCache(options: ConstructorParameters<typeof AIResponseCache>[0] = {}): AIResponseCache {
  const ai = new AIResponseCache(options);
  caches.push(ai);
  return ai;
}

function wrapped(options: Partial<WithCacheOptions> = {}, ai = newCache()) {
  const client = new OpenAI({ baseURL: server.url, apiKey: 'sk-test', maxRetries: 0 });
  return { openai: withCache(client, { cache: ai, ...options }), ai };
}

const ask = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }] });

async function keysOf(ai: AIResponseCache): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of ai.cache.backend?.keys() ?? []) keys.push(key);
  return keys;
}

describe('CachedAPIPromise', () => {
  const outcome = (data: object, status: 'hit' | 'miss') => ({
    data,
    status,
    requestId: status === 'miss' ? 'req_1' : null,
    response: async () => new Response(JSON.stringify(data), { headers: { 'x-cache': status } }),
  });

  it('is a promise of the data, which carries its cache status; then() gives a plain Promise', async () => {
    const data = { id: 'chatcmpl-1' };
    const promise = new CachedAPIPromise(Promise.resolve(outcome(data, 'miss')));
    expect(promise).toBeInstanceOf(Promise);
    const derived = promise.then((d) => d);
    expect(derived).not.toBeInstanceOf(CachedAPIPromise);
    expect(await derived).toBe(data);
    expect(await promise).toBe(data);
    expect(cacheStatus(data)).toBe('miss');
  });

  it('an outcome known at once (a hit without an asynchronous step) is marked at construction', async () => {
    const data = { id: 'chatcmpl-2' };
    const promise = new CachedAPIPromise(outcome(data, 'hit'));
    expect(cacheStatus(data)).toBe('hit');
    expect(await promise).toBe(data);
  });

  it('withResponse() gives the data, the Response and the request id, and carries the status', async () => {
    const data = { id: 'chatcmpl-3' };
    const result = await new CachedAPIPromise(Promise.resolve(outcome(data, 'miss'))).withResponse();
    expect(result.data).toBe(data);
    expect(result.request_id).toBe('req_1');
    expect(result.response.headers.get('x-cache')).toBe('miss');
    expect(await result.response.json()).toEqual(data);
    expect(cacheStatus(result)).toBe('miss');
  });

  it('asResponse() gives the Response alone', async () => {
    const response = await new CachedAPIPromise(Promise.resolve(outcome({ a: 1 }, 'hit'))).asResponse();
    expect(response.headers.get('x-cache')).toBe('hit');
    expect(await response.json()).toEqual({ a: 1 });
  });

  it('a failed outcome rejects await, catch(), finally() and withResponse() with the same error', async () => {
    const failure = new Error('upstream failed');
    const failing = () => new CachedAPIPromise<object>(Promise.reject(failure));
    await expect(failing()).rejects.toBe(failure);
    expect(await failing().catch((e: unknown) => e)).toBe(failure);
    let settled = false;
    await expect(
      failing().finally(() => {
        settled = true;
      }),
    ).rejects.toBe(failure);
    expect(settled).toBe(true);
    await expect(failing().withResponse()).rejects.toBe(failure);
  });

  it('is what a wrapped create() returns: a miss with the upstream request id, then a synthesized hit', async () => {
    const { openai } = wrapped();
    const first = openai.chat.completions.create(ask('promise shape'));
    expect(first).toBeInstanceOf(CachedAPIPromise);
    const miss = await first.withResponse();
    expect(miss.request_id).toMatch(/^req_mock_/);
    expect(miss.response.headers.get('x-cache')).toBe('miss');
    expect(cacheStatus(miss.data)).toBe('miss');
    const second = openai.chat.completions.create(ask('promise shape'));
    expect(second).toBeInstanceOf(CachedAPIPromise);
    const hit = await second.withResponse();
    expect(hit.request_id).toBeNull();
    expect(hit.response.status).toBe(200);
    expect(hit.response.headers.get('x-cache')).toBe('hit');
    expect(hit.response.headers.get('content-type')).toBe('application/json');
    expect(await hit.response.json()).toEqual(miss.data);
    expect(cacheStatus(hit.data)).toBe('hit');
    expect(server.calls.total).toBe(1);
  });
});

describe('DEFAULT_CACHE_FINISH_REASONS', () => {
  /** A client whose `fetch` answers every chat call with one choice finished by the reason in the prompt. */
  function fixedClient() {
    let calls = 0;
    const fetch = async (_url: unknown, init?: { body?: unknown }) => {
      calls++;
      const body = JSON.parse(String(init?.body)) as { messages: { content: string }[] };
      const reason = body.messages.at(-1)?.content ?? 'stop';
      const message =
        reason === 'function_call'
          ? { role: 'assistant', content: null, function_call: { name: 'lookup', arguments: '{}' } }
          : reason === 'tool_calls'
            ? {
                role: 'assistant',
                content: null,
                tool_calls: [
                  { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } },
                ],
              }
            : { role: 'assistant', content: `answer finished by ${reason}` };
      const completion = {
        id: `chatcmpl-${calls}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, message, finish_reason: reason, logprobs: null }],
        usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
      };
      return new Response(JSON.stringify(completion), {
        headers: { 'content-type': 'application/json', 'x-request-id': `req_${calls}` },
      });
    };
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch });
    return { client, calls: () => calls };
  }

  async function storedTwice(options: Partial<WithCacheOptions>, reason: string) {
    const { client, calls } = fixedClient();
    const openai = withCache(client, { cache: newCache(), ...options });
    await openai.chat.completions.create(ask(reason));
    const second = await openai.chat.completions.create(ask(reason));
    return { status: cacheStatus(second), calls: calls() };
  }

  it('answers finished by each default reason are stored (the second call is a hit)', async () => {
    expect([...DEFAULT_CACHE_FINISH_REASONS].sort()).toEqual(['function_call', 'stop', 'tool_calls']);
    for (const reason of DEFAULT_CACHE_FINISH_REASONS) {
      expect(await storedTwice({}, reason)).toEqual({ status: 'hit', calls: 1 });
    }
  });

  it('answers finished by any other reason (length, content_filter) are not stored by default', async () => {
    for (const reason of ['length', 'content_filter']) {
      expect(DEFAULT_CACHE_FINISH_REASONS).not.toContain(reason);
      expect(await storedTwice({}, reason)).toEqual({ status: 'miss', calls: 2 });
    }
  });

  it('is the default of cacheFinishReasons, which a caller extends from it', async () => {
    expect(await storedTwice({ cacheFinishReasons: DEFAULT_CACHE_FINISH_REASONS }, 'length')).toEqual({
      status: 'miss',
      calls: 2,
    });
    const lenient = { cacheFinishReasons: [...DEFAULT_CACHE_FINISH_REASONS, 'length'] };
    expect(await storedTwice(lenient, 'length')).toEqual({ status: 'hit', calls: 1 });
    expect(await storedTwice(lenient, 'stop')).toEqual({ status: 'hit', calls: 1 });
  });

  it('cannot be changed (a frozen list)', () => {
    expect(Object.isFrozen(DEFAULT_CACHE_FINISH_REASONS)).toBe(true);
  });
});

describe('DEFAULT_OPERATIONS', () => {
  it('names the operation of each endpoint: in the keys and in the statistics slices', async () => {
    const { openai, ai } = wrapped();
    await openai.chat.completions.create(ask('operation names'));
    await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'operation names' });
    await openai.responses.create({ model: 'gpt-4o-mini', input: 'operation names' });
    const operations = Object.values(DEFAULT_OPERATIONS);
    expect(Object.keys(DEFAULT_OPERATIONS).sort()).toEqual(['chat.completions', 'embeddings', 'responses']);
    expect(Object.keys(ai.stats().operations).sort()).toEqual([...operations].sort());
    const keys = await keysOf(ai);
    for (const operation of operations) expect(keys.some((k) => k.includes(`:ai:${operation}:`))).toBe(true);
  });

  it('selects the operation TTLs: a TTL set for the chat operation applies to chat answers only', async () => {
    let now = Date.now();
    const ai = newCache({
      now: () => now,
      operationTtls: { [DEFAULT_OPERATIONS['chat.completions']]: '1s' },
    });
    const { openai } = wrapped({}, ai);
    await openai.chat.completions.create(ask('short chat'));
    await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'long embedding' });
    now += 1500;
    expect(cacheStatus(await openai.chat.completions.create(ask('short chat')))).toBe('miss');
    const embedding = await openai.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'long embedding',
    });
    expect(cacheStatus(embedding)).toBe('hit');
  });

  it('is the fallback of an operation function that returns undefined', async () => {
    const { openai, ai } = wrapped({
      operation: ({ params }) => (params.model === 'special' ? 'special' : undefined),
    });
    await openai.chat.completions.create(ask('fallback'));
    expect(Object.keys(ai.stats().operations)).toEqual([DEFAULT_OPERATIONS['chat.completions']]);
  });
});

describe('EXCLUDED_REQUEST_FIELDS', () => {
  const values: Record<string, unknown> = {
    user: 'user-42',
    metadata: { trace: 'abc' },
    store: true,
    safety_identifier: 'hashed-user',
    prompt_cache_key: 'tenant-a',
    prompt_cache_retention: '24h',
  };

  it('a chat request differing only in an excluded field is answered from the same entry', async () => {
    const { openai } = wrapped();
    await openai.chat.completions.create(ask('excluded fields'));
    for (const field of EXCLUDED_REQUEST_FIELDS) {
      if (field === 'stream' || field === 'stream_options') continue;
      expect(field in values).toBe(true);
      const body = { ...ask('excluded fields'), [field]: values[field] } as never;
      expect(cacheStatus(await openai.chat.completions.create(body))).toBe('hit');
    }
    const all = { ...ask('excluded fields'), ...values } as never;
    expect(cacheStatus(await openai.chat.completions.create(all))).toBe('hit');
    expect(server.calls.total).toBe(1);
  });

  it('stream and stream_options do not change the key either: a stream replays the stored answer', async () => {
    const { openai } = wrapped();
    const json = await openai.chat.completions.create(ask('streamed later'));
    const stream = await openai.chat.completions.create({
      ...ask('streamed later'),
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(cacheStatus(stream)).toBe('hit');
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(json.choices[0]?.message.content);
    expect(server.calls.total).toBe(1);
  });

  it('a field that is not excluded (temperature) does change the key', async () => {
    const { openai } = wrapped();
    await openai.chat.completions.create(ask('kept fields'));
    expect(EXCLUDED_REQUEST_FIELDS).not.toContain('temperature');
    const warmer = await openai.chat.completions.create({ ...ask('kept fields'), temperature: 0.3 });
    expect(cacheStatus(warmer)).toBe('miss');
    expect(server.calls.total).toBe(2);
  });

  it('cannot be changed (a frozen list)', () => {
    expect(Object.isFrozen(EXCLUDED_REQUEST_FIELDS)).toBe(true);
  });
});
