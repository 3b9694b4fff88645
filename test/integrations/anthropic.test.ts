/**
 * withCache(anthropic) on the memory tier: the real `@anthropic-ai/sdk` client against the local
 * Anthropic-compatible SSE server. Results are compared as the SDK's own `MessageStream`
 * accumulates them (`finalMessage()`).
 */
import Anthropic from '@anthropic-ai/sdk';
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AnswerPlan,
  type MockAnthropic,
  startMockAnthropic,
} from '../../examples/mock-anthropic/server.js';
import { AIResponseCache, ValidationError } from '../../src/index.js';
import { cacheStatus, type WithCacheOptions, withCache } from '../../src/integrations/anthropic/index.js';

let server: MockAnthropic;
let client: Anthropic;
const caches: AIResponseCache[] = [];

beforeEach(async () => {
  server = await startMockAnthropic();
  client = new Anthropic({ baseURL: server.url, apiKey: 'sk-ant-test-secret', maxRetries: 0 });
});

afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
  await server.close();
});

function wrapped(options: Partial<WithCacheOptions> = {}, target: Anthropic = client) {
  const ai = new AIResponseCache({});
  caches.push(ai);
  return withCache(target, { cache: ai, ...options });
}

type Cached = ReturnType<typeof wrapped>;

const TOOLS = [{ name: 'lookup', description: 'Looks things up', input_schema: { type: 'object' as const } }];

const ask = (content: string, extra: Partial<MessageCreateParamsNonStreaming> = {}) => ({
  model: 'claude-test',
  max_tokens: 512,
  messages: [{ role: 'user' as const, content }],
  ...extra,
});

/** Plain data: getters (tool inputs) become values; `parsed_output` (always null here) dropped. */
function plain(message: Message): Message {
  const { parsed_output, ...rest } = message as Message & { parsed_output?: unknown };
  expect(parsed_output ?? null).toBeNull();
  return JSON.parse(JSON.stringify(rest)) as Message;
}

/** The ways a caller reads an answer, each accumulated as the SDK does. */
const MODES = {
  json: async (anthropic: Cached, params: MessageCreateParamsNonStreaming) => {
    const message = await anthropic.messages.create(params);
    return { message: plain(message), status: cacheStatus(message) };
  },
  'create(stream: true)': async (anthropic: Cached, params: MessageCreateParamsNonStreaming) => {
    const stream = await anthropic.messages.create({ ...params, stream: true });
    const status = cacheStatus(stream);
    // Re-read by MessageStream, as `toReadableStream()` hands it on.
    const message = await MessageStream.fromReadableStream(stream.toReadableStream()).finalMessage();
    return { message: plain(message), status };
  },
  'messages.stream()': async (anthropic: Cached, params: MessageCreateParamsNonStreaming) => {
    const stream = anthropic.messages.stream(params);
    const message = await stream.finalMessage();
    expect(cacheStatus(message)).toBe(cacheStatus(stream));
    return { message: plain(message), status: cacheStatus(stream) };
  },
} as const;

type Mode = keyof typeof MODES;

const ANSWERS: Record<string, { params: MessageCreateParamsNonStreaming; plan?: AnswerPlan }> = {
  text: { params: ask('Tell me about caching') },
  'tool use': { params: ask('Look it up [[tool]]', { tools: TOOLS }) },
  'thinking + tool use': {
    params: ask('Think, then look it up [[tool]]', {
      tools: TOOLS,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    }),
  },
  'citations, redacted thinking, two tool calls': {
    params: ask('Planned answer'),
    plan: {
      blocks: [
        { type: 'thinking', thinking: 'Weighing the sources carefully.', signature: 'sig-1' },
        { type: 'redacted_thinking', data: 'EmwKAhgB' },
        {
          type: 'text',
          text: 'The sky is blue.',
          citations: [
            {
              type: 'char_location',
              cited_text: 'blue',
              document_index: 0,
              document_title: 'Doc',
              start_char_index: 11,
              end_char_index: 15,
            },
          ],
        },
        { type: 'tool_use', name: 'lookup', input: { q: 'caf\u00e9 \u{1F600}', n: [1, 2.5, null] } },
        { type: 'tool_use', name: 'noop', input: {} },
      ],
      stopReason: 'tool_use',
    },
  },
};

describe('withCache(anthropic): hits are identical to misses, in every direction', () => {
  const modes = Object.keys(MODES) as Mode[];
  for (const [answer, { params, plan }] of Object.entries(ANSWERS)) {
    for (const first of modes) {
      for (const second of modes) {
        it(`${answer}: ${first} miss -> ${second} hit`, async () => {
          if (plan) server.setPlanner(() => plan);
          const anthropic = wrapped();
          const miss = await MODES[first](anthropic, params);
          const hit = await MODES[second](anthropic, params);
          expect([miss.status, hit.status]).toEqual(['miss', 'hit']);
          expect(hit.message).toEqual(miss.message);
          expect(hit.message.usage.output_tokens).toBeGreaterThan(0);
          expect(server.calls.total).toBe(1);
        });
      }
    }
  }
});

describe('withCache(anthropic): one upstream call', () => {
  it('20 concurrent identical calls (JSON, create stream, messages.stream) make 1 upstream call', async () => {
    server.setLatency(2);
    const anthropic = wrapped();
    const params = ask('Twenty at once', {
      tools: TOOLS,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    const modes = Object.values(MODES);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (modes[i % modes.length] as (typeof modes)[number])(anthropic, params),
      ),
    );
    expect(server.calls.total).toBe(1);
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 'miss')).toHaveLength(1);
    expect(statuses.every((s) => s === 'miss' || s === 'coalesced' || s === 'hit')).toBe(true);
    for (const r of results) expect(r.message).toEqual(results[0]?.message);
  });

  it('metadata.user_id is not in the key: two users share one answer', async () => {
    const anthropic = wrapped();
    const a = await anthropic.messages.create(ask('Shared', { metadata: { user_id: 'user-a' } }));
    const b = await anthropic.messages.create(ask('Shared', { metadata: { user_id: 'user-b' } }));
    expect([cacheStatus(a), cacheStatus(b)]).toEqual(['miss', 'hit']);
    expect(server.calls.total).toBe(1);
    // The upstream request still carried the caller's user id.
    expect(server.calls.bodies[0]?.metadata).toEqual({ user_id: 'user-a' });
  });

  it('two base URLs never share an answer, over one cache', async () => {
    const other = await startMockAnthropic();
    try {
      const ai = new AIResponseCache({});
      caches.push(ai);
      const a = withCache(client, { cache: ai });
      const b = withCache(new Anthropic({ baseURL: other.url, apiKey: 'k', maxRetries: 0 }), { cache: ai });
      const first = await a.messages.create(ask('Same request'));
      const second = await b.messages.create(ask('Same request'));
      expect([cacheStatus(first), cacheStatus(second)]).toEqual(['miss', 'miss']);
      expect([server.calls.total, other.calls.total]).toEqual([1, 1]);
      expect(cacheStatus(await b.messages.create(ask('Same request')))).toBe('hit');
    } finally {
      await other.close();
    }
  });
});

describe('withCache(anthropic): stream guarantees', () => {
  it('a consumer that stops after the message_delta still leaves a cached answer', async () => {
    server.setLatency(1);
    const anthropic = wrapped();
    const params = ask('Stop at the stop reason');
    const stream = await anthropic.messages.create({ ...params, stream: true });
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(event.type);
      if (event.type === 'message_delta') break;
    }
    expect(seen).not.toContain('message_stop');
    await expect.poll(async () => cacheStatus(await anthropic.messages.create(params))).toBe('hit');
    expect(server.calls.total).toBe(1);
    const replayed = await MODES['messages.stream()'](anthropic, params);
    expect(replayed.status).toBe('hit');
    expect(replayed.message.stop_reason).toBe('end_turn');
  });

  it('a consumer that edits the events it reads changes nothing stored or seen by others', async () => {
    server.setLatency(1);
    const anthropic = wrapped();
    const params = ask('Do not touch', {
      tools: TOOLS,
      messages: [{ role: 'user', content: 'Touch [[tool]]' }],
    });
    const [edited, other] = await Promise.all([
      (async () => {
        const stream = await anthropic.messages.create({ ...params, stream: true });
        for await (const event of stream) {
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
            event.delta.text = 'EDITED';
          if (event.type === 'message_start') event.message.model = 'edited-model';
        }
      })(),
      MODES['messages.stream()'](anthropic, params),
    ]);
    expect(edited).toBeUndefined();
    const hit = await MODES.json(anthropic, params);
    expect(hit.status).toBe('hit');
    expect(hit.message).toEqual(other.message);
    expect(JSON.stringify(hit.message)).not.toContain('EDITED');
    expect(hit.message.model).toBe('claude-test');
    expect(server.calls.total).toBe(1);
  });
});

describe('withCache(anthropic): what is not stored', () => {
  it('an abandoned stream is not stored (and the upstream request is cut)', async () => {
    server.setLatency(3);
    const anthropic = wrapped();
    const params = ask('Abandon me');
    const stream = await anthropic.messages.create({ ...params, stream: true });
    for await (const event of stream) if (event.type === 'content_block_delta') break;
    const runner = anthropic.messages.stream(params);
    await runner.emitted('text');
    runner.abort();
    await expect(runner.done()).rejects.toThrow();
    await expect.poll(() => server.calls.aborted).toBeGreaterThanOrEqual(1);
    const next = await anthropic.messages.create(params);
    expect(cacheStatus(next)).toBe('miss');
    expect(server.calls.total).toBe(3);
  });

  it('errors propagate with the SDK classes and are not stored', async () => {
    const anthropic = wrapped();
    server.failNext(1, 529);
    const error = await anthropic.messages.create(ask('Fail first')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    server.failMidStream(1);
    await expect(anthropic.messages.stream(ask('Fail first')).finalMessage()).rejects.toThrow(/Overloaded/);
    server.failMidStream(1);
    const stream = await anthropic.messages.create({ ...ask('Fail first'), stream: true });
    await expect(
      (async () => {
        for await (const _ of stream) {
          /* read to the error */
        }
      })(),
    ).rejects.toBeInstanceOf(Anthropic.APIError);
    const ok = await anthropic.messages.create(ask('Fail first'));
    expect(cacheStatus(ok)).toBe('miss');
    expect(server.calls.total).toBe(4);
  });

  it('a max_tokens-truncated answer is not stored (unless configured)', async () => {
    const anthropic = wrapped();
    const params = ask('Too long', { max_tokens: 3 });
    const first = await anthropic.messages.create(params);
    expect(first.stop_reason).toBe('max_tokens');
    expect(cacheStatus(await anthropic.messages.create(params))).toBe('miss');
    const keeping = wrapped({ storedStopReasons: ['end_turn', 'max_tokens'] });
    await keeping.messages.create(params);
    expect(cacheStatus(await keeping.messages.create(params))).toBe('hit');
  });

  it('requests bound to server-side state bypass the cache', async () => {
    server.setPlanner(() => ({ blocks: [{ type: 'text', text: 'ran code' }] }));
    const anthropic = wrapped();
    const params = ask('Run it', { tools: [{ type: 'code_execution_20250825', name: 'code_execution' }] });
    const first = await anthropic.messages.create(params);
    const second = await anthropic.messages.create(params);
    expect([cacheStatus(first), cacheStatus(second)]).toEqual(['bypass', 'bypass']);
    expect(server.calls.total).toBe(2);
  });
});

describe('withCache(anthropic): the client stays the client', () => {
  it('takes per-call { cache } options off the request, and validates them', async () => {
    const anthropic = wrapped();
    await anthropic.messages.create(ask('Per call'));
    const again = await anthropic.messages.create(ask('Per call'), { cache: { noCache: true } });
    expect(cacheStatus(again)).toBe('miss');
    expect(server.calls.total).toBe(2);
    await expect(
      anthropic.messages.create(ask('Per call'), { cache: { ttl: -5 } as never }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(server.calls.total).toBe(2);
  });

  it('messages.parse() shares the entries of create()', async () => {
    const anthropic = wrapped();
    const created = await anthropic.messages.create(ask('Parse me'));
    const parsed = await anthropic.messages.parse(ask('Parse me'));
    expect(server.calls.total).toBe(1);
    expect(parsed.content).toEqual(created.content);
  });

  it('keys on the anthropic-beta features of the call and of the client', async () => {
    const anthropic = wrapped();
    await anthropic.messages.create(ask('Beta'));
    const beta = await anthropic.messages.create(ask('Beta'), { headers: { 'anthropic-beta': 'feature-x' } });
    expect(cacheStatus(beta)).toBe('miss');
    const betaClient = wrapped(
      {},
      new Anthropic({
        baseURL: server.url,
        apiKey: 'k',
        maxRetries: 0,
        defaultHeaders: { 'anthropic-beta': 'feature-x' },
      }),
    );
    await betaClient.messages.create(ask('Beta'));
    expect(cacheStatus(await betaClient.messages.create(ask('Beta')))).toBe('hit');
    expect(server.calls.total).toBe(3);
    expect(server.calls.headers[1]?.['anthropic-beta']).toBe('feature-x');
  });

  it("sampling: 'bypass' leaves sampled requests (Anthropic's default temperature is 1) uncached", async () => {
    const anthropic = wrapped({ sampling: 'bypass' });
    const sampled = await anthropic.messages.create(ask('Sample'));
    expect(cacheStatus(sampled)).toBe('bypass');
    // `temperature` (SDK 0.x; 1.x types no longer list the sampling parameters) makes it deterministic.
    const greedy = ask('Sample', { temperature: 0 } as Partial<MessageCreateParamsNonStreaming>);
    await anthropic.messages.create(greedy);
    expect(cacheStatus(await anthropic.messages.create(greedy))).toBe('hit');
    expect(server.calls.total).toBe(2);
  });

  it('withResponse(): the upstream headers on a miss, x-cache on every answer', async () => {
    const anthropic = wrapped();
    const miss = await anthropic.messages.create(ask('Headers')).withResponse();
    expect(miss.response.headers.get('x-cache')).toBe('miss');
    expect(miss.request_id).toBe('req_1');
    const hit = await anthropic.messages.create(ask('Headers')).withResponse();
    expect(hit.response.headers.get('x-cache')).toBe('hit');
    expect(await hit.response.json()).toEqual(JSON.parse(JSON.stringify(miss.data)));
  });

  it('passes other methods through, bound to the client', async () => {
    const anthropic = wrapped();
    const count = await anthropic.messages.countTokens(ask('Count me'));
    expect(count.input_tokens).toBeGreaterThan(0);
    expect(anthropic.baseURL).toBe(server.url);
    expect(anthropic.messages.batches).toBe(client.messages.batches);
    const clone = anthropic.withOptions({ maxRetries: 1 });
    await clone.messages.create(ask('Clone'));
    expect(cacheStatus(await clone.messages.create(ask('Clone')))).toBe('hit');
  });

  it('rejects invalid options, listing every problem', () => {
    const ai = new AIResponseCache({});
    caches.push(ai);
    let error: unknown;
    try {
      withCache(client, {
        cache: ai,
        storedStopReasons: 'end_turn' as never,
        lock: { ttl: 'soon' } as never,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const paths = (error as ValidationError).issues.map((i) => i.path);
    expect(paths).toContain('storedStopReasons');
    expect(paths.some((p) => p.startsWith('lock'))).toBe(true);
    expect(() => withCache({} as never, { cache: ai })).toThrow(ValidationError);
  });
});
