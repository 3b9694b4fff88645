import OpenAI from 'openai';
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT_FIXTURES, chatFixtureChunks, fixtureMarker } from '../../examples/mock-openai/fixtures.js';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { AIResponseCache } from '../../src/index.js';
import { type CachedOpenAI, cacheStatus, withCache } from '../../src/integrations/openai/index.js';
import { collect, type Json, nextWrite } from '../helpers/openai-fidelity.js';

// A consumer that edits the chunks it reads (a common habit: `delete chunk.usage`, rewriting
// `delta.content`, pushing into logprobs as openai's ChatCompletionStream does) must change
// nothing that anyone else sees: not a concurrent follower of the same upstream stream, not a
// later hit, not a JSON caller of the same request.

let server: MockOpenAI;
let ai: AIResponseCache;
let openai: CachedOpenAI<OpenAI>;
let tag = 0;

beforeAll(async () => {
  server = await startMockOpenAI({ latencyMs: 0 });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.resetCalls();
  ai = new AIResponseCache();
  openai = withCache(new OpenAI({ baseURL: server.url, apiKey: 'sk-test', maxRetries: 0 }), { cache: ai });
  tag += 1;
});

afterEach(async () => {
  await ai.close();
});

const fixture = CHAT_FIXTURES.logprobs;
const upstream = chatFixtureChunks(fixture, true);
const body = (stream: boolean): ChatCompletionCreateParams => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: `${fixtureMarker('logprobs')} mutation ${tag}` }],
  ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
});
const upstreamCalls = () => server.calls.byEndpoint['/v1/chat/completions'] ?? 0;

/** Reads a stream like a careless consumer: every chunk edited in place once read. */
async function readMutating(stream: AsyncIterable<unknown>): Promise<Json[]> {
  const seen: Json[] = [];
  for await (const value of stream) {
    const chunk = value as Json;
    seen.push(structuredClone(chunk));
    delete chunk.usage;
    for (const choice of (chunk.choices as Json[]) ?? []) {
      const delta = choice.delta as Json;
      if (delta.content) delta.content = 'EDITED';
      delta.role = 'user';
      const logprobs = choice.logprobs as { content?: unknown[] | null } | null;
      logprobs?.content?.push({ token: 'EDITED', logprob: 0, bytes: null, top_logprobs: [] });
    }
    chunk.id = 'EDITED';
  }
  return seen;
}

/** What later callers get: a streaming hit and a JSON hit, both unchanged. */
async function expectLaterCallersUnchanged(): Promise<void> {
  const hit = await openai.chat.completions.create(body(true));
  expect(cacheStatus(hit)).toBe('hit');
  expect(await collect(hit as AsyncIterable<unknown>)).toEqual(upstream);
  const json = await openai.chat.completions.create(body(false));
  expect(cacheStatus(json)).toBe('hit');
  expect(json).toEqual(fixture.json);
  // Twice: the first readers' copies are not what the entry holds either.
  expect(await collect((await openai.chat.completions.create(body(true))) as AsyncIterable<unknown>)).toEqual(
    upstream,
  );
}

describe('a consumer that mutates the chunks it reads', () => {
  it('while leading a miss: its concurrent follower, later hits and a JSON caller see the upstream answer', async () => {
    const stored = nextWrite(ai);
    const [leader, follower] = await Promise.all([
      openai.chat.completions.create(body(true)),
      openai.chat.completions.create(body(true)),
    ]);
    expect([cacheStatus(leader), cacheStatus(follower)]).toEqual(['miss', 'coalesced']);
    // The leader reads (and edits) everything before the follower reads anything.
    expect(await readMutating(leader as AsyncIterable<unknown>)).toEqual(upstream);
    expect(await collect(follower as AsyncIterable<unknown>)).toEqual(upstream);
    await stored;
    await expectLaterCallersUnchanged();
    expect(upstreamCalls()).toBe(1);
  });

  it('while following: the leader, reading after it, and later callers see the upstream answer', async () => {
    const stored = nextWrite(ai);
    const [leader, follower] = await Promise.all([
      openai.chat.completions.create(body(true)),
      openai.chat.completions.create(body(true)),
    ]);
    expect(await readMutating(follower as AsyncIterable<unknown>)).toEqual(upstream);
    expect(await collect(leader as AsyncIterable<unknown>)).toEqual(upstream);
    await stored;
    await expectLaterCallersUnchanged();
    expect(upstreamCalls()).toBe(1);
  });

  it('both reading at once, chunk by chunk', async () => {
    const stored = nextWrite(ai);
    const [leader, follower] = await Promise.all([
      openai.chat.completions.create(body(true)),
      openai.chat.completions.create(body(true)),
    ]);
    const [mutated, clean] = await Promise.all([
      readMutating(leader as AsyncIterable<unknown>),
      collect(follower as AsyncIterable<unknown>),
    ]);
    expect(mutated).toEqual(upstream);
    expect(clean).toEqual(upstream);
    await stored;
    await expectLaterCallersUnchanged();
  });

  it('reading a hit: the next callers still get the stored answer', async () => {
    const stored = nextWrite(ai);
    await collect((await openai.chat.completions.create(body(true))) as AsyncIterable<unknown>);
    await stored;
    const hit = await openai.chat.completions.create(body(true));
    expect(cacheStatus(hit)).toBe('hit');
    expect(await readMutating(hit as AsyncIterable<unknown>)).toEqual(upstream);
    await expectLaterCallersUnchanged();
  });

  it('reading a hit replayed from a JSON entry, and editing a JSON hit: nothing stored changes', async () => {
    const stored = nextWrite(ai);
    const first = (await openai.chat.completions.create(body(false))) as unknown as Json;
    await stored;
    (first.choices as Json[]).length = 0;
    const replayed = await openai.chat.completions.create(body(true));
    await readMutating(replayed as AsyncIterable<unknown>);
    const json = (await openai.chat.completions.create(body(false))) as unknown as Json;
    expect(json).toEqual(fixture.json);
    ((json.choices as Json[])[0]?.message as Json).content = 'EDITED';
    expect(await openai.chat.completions.create(body(false))).toEqual(fixture.json);
    expect(upstreamCalls()).toBe(1);
  });
});
