/**
 * Direct tests of the exports of `ai-response-cache/anthropic` no other suite names:
 * `CachedAPIPromise`, `DEFAULT_STORED_STOP_REASONS`, `EXCLUDED_REQUEST_FIELDS` and
 * `STATEFUL_TOOL_PREFIXES`, each through the behaviour it drives, with the real
 * `@anthropic-ai/sdk` client against the local Anthropic-compatible server.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AnswerPlan,
  type MockAnthropic,
  startMockAnthropic,
} from '../../examples/mock-anthropic/server.js';
import { AIResponseCache } from '../../src/index.js';
import {
  CachedAPIPromise,
  cacheStatus,
  DEFAULT_STORED_STOP_REASONS,
  EXCLUDED_REQUEST_FIELDS,
  STATEFUL_TOOL_PREFIXES,
  type WithCacheOptions,
  withCache,
} from '../../src/integrations/anthropic/index.js';

let server: MockAnthropic;
const caches: AIResponseCache[] = [];

beforeEach(async () => {
  server = await startMockAnthropic();
});
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
  await server.close();
});

function wrapped(options: Partial<WithCacheOptions> = {}) {
  const ai = new AIResponseCache({});
  caches.push(ai);
  const client = new Anthropic({ baseURL: server.url, apiKey: 'sk-ant-test', maxRetries: 0 });
  return withCache(client, { cache: ai, ...options });
}

const ask = (content: string, extra: Partial<MessageCreateParamsNonStreaming> = {}) => ({
  model: 'claude-test',
  max_tokens: 256,
  messages: [{ role: 'user' as const, content }],
  ...extra,
});

describe('CachedAPIPromise', () => {
  const message = { id: 'msg_1', type: 'message', content: [{ type: 'text', text: 'hi' }] };

  it('is a promise of the data, which carries its status; then() gives a plain Promise', async () => {
    const data = { ...message };
    const promise = new CachedAPIPromise(Promise.resolve({ data, status: 'hit' as const }));
    expect(promise).toBeInstanceOf(Promise);
    const derived = promise.then((d) => d);
    expect(derived).not.toBeInstanceOf(CachedAPIPromise);
    expect(await derived).toBe(data);
    expect(await promise.status()).toBe('hit');
    expect(cacheStatus(data)).toBe('hit');
  });

  it('withResponse(): a synthesized 200 with x-cache, the message as JSON, the upstream ids of a miss', async () => {
    const upstream = new Response('{}', {
      headers: {
        'request-id': 'req_up',
        'anthropic-workspace-id': 'wrk_1',
        'content-length': '2',
        'x-upstream': 'kept',
      },
    });
    const data = { ...message };
    const result = await new CachedAPIPromise(
      Promise.resolve({ data, status: 'miss' as const, upstream }),
    ).withResponse();
    expect(result.data).toBe(data);
    expect(result.request_id).toBe('req_up');
    expect(result.workspace_id).toBe('wrk_1');
    expect(result.response.status).toBe(200);
    expect(result.response.headers.get('x-cache')).toBe('miss');
    expect(result.response.headers.get('x-upstream')).toBe('kept');
    expect(result.response.headers.get('content-type')).toBe('application/json');
    expect(await result.response.json()).toEqual(data);
    expect(cacheStatus(result)).toBe('miss');
  });

  it('asResponse() of a hit has no upstream ids; a stream gets text/event-stream and no body', async () => {
    const hit = await new CachedAPIPromise(
      Promise.resolve({ data: { ...message }, status: 'hit' as const }),
    ).withResponse();
    expect(hit.request_id).toBeNull();
    expect(hit.workspace_id).toBeNull();
    const stream = { async *[Symbol.asyncIterator]() {} };
    const response = await new CachedAPIPromise(
      Promise.resolve({ data: stream, status: 'hit' as const }),
    ).asResponse();
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-cache')).toBe('hit');
    expect(response.body).toBeNull();
  });

  it('a failed outcome rejects where it is awaited (catch, finally, withResponse) and nowhere else', async () => {
    const failure = new Error('overloaded');
    const failing = () => new CachedAPIPromise<object>(Promise.reject(failure));
    await expect(failing()).rejects.toBe(failure);
    expect(await failing().catch((e: unknown) => e)).toBe(failure);
    await expect(failing().finally(() => {})).rejects.toBe(failure);
    await expect(failing().withResponse()).rejects.toBe(failure);
    await expect(failing().status()).rejects.toBe(failure);
    // Never awaited: must not surface as an unhandled rejection (vitest fails the run if it does).
    failing();
  });

  it('is what a wrapped messages.create() returns: miss with the upstream request id, then a hit', async () => {
    const anthropic = wrapped();
    const first = anthropic.messages.create(ask('promise shape'));
    expect(first).toBeInstanceOf(CachedAPIPromise);
    const miss = await first.withResponse();
    expect(miss.request_id).toMatch(/^req_/);
    expect(miss.response.headers.get('x-cache')).toBe('miss');
    const second = anthropic.messages.create(ask('promise shape'));
    expect(second).toBeInstanceOf(CachedAPIPromise);
    const hit = await second.withResponse();
    expect(hit.request_id).toBeNull();
    expect(hit.response.headers.get('x-cache')).toBe('hit');
    expect(await hit.response.json()).toEqual(JSON.parse(JSON.stringify(miss.data)));
    expect(server.calls.total).toBe(1);
  });
});

describe('DEFAULT_STORED_STOP_REASONS', () => {
  const plan = (stopReason: NonNullable<AnswerPlan['stopReason']>): AnswerPlan => ({
    blocks:
      stopReason === 'tool_use'
        ? [{ type: 'tool_use', name: 'lookup', input: { q: 'x' } }]
        : [{ type: 'text', text: `finished by ${stopReason}` }],
    stopReason,
    ...(stopReason === 'stop_sequence' ? { stopSequence: 'END' } : {}),
  });

  async function storedTwice(
    options: Partial<WithCacheOptions>,
    stopReason: NonNullable<AnswerPlan['stopReason']>,
  ) {
    server.setPlanner(() => plan(stopReason));
    const before = server.calls.total;
    const anthropic = wrapped(options);
    await anthropic.messages.create(ask(`stop ${stopReason}`));
    const second = await anthropic.messages.create(ask(`stop ${stopReason}`));
    return { status: cacheStatus(second), calls: server.calls.total - before };
  }

  it('answers that stopped for each default reason are stored (the second call is a hit)', async () => {
    expect([...DEFAULT_STORED_STOP_REASONS].sort()).toEqual(['end_turn', 'stop_sequence', 'tool_use']);
    for (const reason of DEFAULT_STORED_STOP_REASONS) {
      expect(await storedTwice({}, reason as NonNullable<AnswerPlan['stopReason']>)).toEqual({
        status: 'hit',
        calls: 1,
      });
    }
  });

  it('answers that stopped for another reason (max_tokens, pause_turn, refusal) are not stored', async () => {
    for (const reason of ['max_tokens', 'pause_turn', 'refusal'] as const) {
      expect(DEFAULT_STORED_STOP_REASONS).not.toContain(reason);
      expect(await storedTwice({}, reason)).toEqual({ status: 'miss', calls: 2 });
    }
  });

  it('is the default of storedStopReasons, which a caller extends from it', async () => {
    const lenient = { storedStopReasons: [...DEFAULT_STORED_STOP_REASONS, 'max_tokens'] };
    expect(await storedTwice(lenient, 'max_tokens')).toEqual({ status: 'hit', calls: 1 });
    expect(await storedTwice(lenient, 'end_turn')).toEqual({ status: 'hit', calls: 1 });
    expect(await storedTwice({ storedStopReasons: DEFAULT_STORED_STOP_REASONS }, 'max_tokens')).toEqual({
      status: 'miss',
      calls: 2,
    });
  });

  it('cannot be changed (a frozen list)', () => {
    expect(Object.isFrozen(DEFAULT_STORED_STOP_REASONS)).toBe(true);
  });
});

describe('EXCLUDED_REQUEST_FIELDS', () => {
  it('is stream: a streamed request is answered from the entry of the JSON one', async () => {
    expect(EXCLUDED_REQUEST_FIELDS).toEqual(['stream']);
    const anthropic = wrapped();
    const json = await anthropic.messages.create(ask('stream or not'));
    const stream = await anthropic.messages.create({ ...ask('stream or not'), stream: true });
    expect(cacheStatus(stream)).toBe('hit');
    let text = '';
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    const first = json.content[0];
    expect(first?.type === 'text' ? first.text : undefined).toBe(text);
    expect(server.calls.total).toBe(1);
  });

  it('a field that is not excluded (top_k, system) does change the key', async () => {
    const anthropic = wrapped();
    await anthropic.messages.create(ask('kept fields'));
    for (const extra of [{ top_k: 5 }, { system: 'Be brief.' }]) {
      expect(EXCLUDED_REQUEST_FIELDS).not.toContain(Object.keys(extra)[0]);
      expect(cacheStatus(await anthropic.messages.create(ask('kept fields', extra)))).toBe('miss');
    }
    expect(server.calls.total).toBe(3);
  });

  it('cannot be changed (a frozen list)', () => {
    expect(Object.isFrozen(EXCLUDED_REQUEST_FIELDS)).toBe(true);
  });
});

describe('STATEFUL_TOOL_PREFIXES', () => {
  it('a request with a tool of one of these types is never cached (bypass, every call upstream)', async () => {
    const anthropic = wrapped();
    for (const prefix of STATEFUL_TOOL_PREFIXES) {
      const tools = [{ type: `${prefix}_20250825`, name: prefix }] as never;
      const before = server.calls.total;
      const first = await anthropic.messages.create(ask(`run code ${prefix}`, { tools }));
      const second = await anthropic.messages.create(ask(`run code ${prefix}`, { tools }));
      expect([cacheStatus(first), cacheStatus(second)]).toEqual(['bypass', 'bypass']);
      expect(server.calls.total - before).toBe(2);
    }
  });

  it('other tools are cached as usual', async () => {
    const anthropic = wrapped();
    const tools = [
      { name: 'lookup', input_schema: { type: 'object' as const } },
      { type: 'web_search_20250305', name: 'web_search' },
    ] as never;
    await anthropic.messages.create(ask('ordinary tools', { tools }));
    expect(cacheStatus(await anthropic.messages.create(ask('ordinary tools', { tools })))).toBe('hit');
    expect(server.calls.total).toBe(1);
  });

  it('cannot be changed (a frozen list)', () => {
    expect(STATEFUL_TOOL_PREFIXES.length).toBeGreaterThan(0);
    expect(Object.isFrozen(STATEFUL_TOOL_PREFIXES)).toBe(true);
  });
});
