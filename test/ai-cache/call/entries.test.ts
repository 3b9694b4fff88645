import { afterEach, describe, expect, it } from 'vitest';
import { AIResponseCache } from '../../../src/ai-cache/ai-response-cache.js';
import { Entries } from '../../../src/ai-cache/call/entries.js';
import { resolveSettings } from '../../../src/ai-cache/call/settings.js';
import type { Call } from '../../../src/ai-cache/call/sources.js';
import type { ProviderCodec } from '../../../src/ai-cache/call/types.js';
import { Budget } from '../../../src/cache/budget.js';

interface Answer {
  text: string;
  usage?: { in: number; out: number };
}
type Chunk = { delta: string };

const codec: ProviderCodec<string, Answer, Chunk> = {
  name: 'toy',
  keyMaterial: (prompt) => prompt,
  storable: (answer) => answer.text !== '',
  assemble: (chunks) => ({ text: chunks.map((c) => c.delta).join('') }),
  replay: (answer) => answer.text.split('').map((delta) => ({ delta })),
  usage: (answer) => answer.usage && { promptTokens: answer.usage.in, completionTokens: answer.usage.out },
  model: () => 'toy-1',
};

let ai: AIResponseCache;
afterEach(() => ai?.close());

async function setup(
  overrides: {
    [K in keyof ProviderCodec<string, Answer, Chunk>]?: ProviderCodec<string, Answer, Chunk>[K] | undefined;
  } = {},
) {
  ai = new AIResponseCache();
  const reported: unknown[] = [];
  const entries = new Entries(
    { ...codec, ...overrides } as ProviderCodec<string, Answer, Chunk>,
    resolveSettings({ cache: ai }, 'toy cache'),
    (e) => reported.push(e),
  );
  const entry = await ai.prepare({ text: 'sha256:abc', operation: 'toy' });
  return { entries, entry, reported };
}

async function drain<C>(stream: AsyncIterable<C>): Promise<C[]> {
  const out: C[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe('Entries', () => {
  it('stores an entry, then finds it synchronously in L1 and by lookup', async () => {
    const { entries, entry } = await setup();
    expect(entries.peek(entry)).toBeUndefined();
    const stored = await entries.store(
      entry,
      {},
      { f: 'json', v: { text: 'hi' } },
      { latencyMs: 5 },
      new Budget(1000),
    );
    expect(stored).toBe(true);
    expect(entries.peek(entry)).toMatchObject({
      kind: 'entry',
      entry: { f: 'json', v: { text: 'hi' } },
      origin: 'hit',
    });
    const found = await entries.lookup(entry, 'coalesced', new Budget(1000));
    expect(found).toMatchObject({ kind: 'entry', origin: 'coalesced', meta: { latencyMs: 5 } });
    await entries.invalidate(entry);
    expect(await entries.lookup(entry, 'hit', new Budget(1000))).toBeUndefined();
  });

  it('serves an entry in either mode: a copy of a JSON answer, an assembled stream, a replayed answer', async () => {
    const { entries } = await setup();
    const json = { f: 'json' as const, v: { text: 'ab' } };
    const served = entries.serve(json, 'p', false, true);
    expect(served?.answer).toEqual({ text: 'ab' });
    expect(served?.answer).not.toBe(json.v);
    expect(entries.serve(json, 'p', false, false)?.answer).toBe(json.v);
    const replayed = entries.serve(json, 'p', true, true);
    expect(await drain(replayed?.stream as AsyncIterable<Chunk>)).toEqual([{ delta: 'a' }, { delta: 'b' }]);
    const fromStream = entries.serve({ f: 'stream', v: [{ delta: 'x' }, { delta: 'y' }] }, 'p', false, true);
    expect(fromStream?.answer).toEqual({ text: 'xy' });
  });

  it('cannot serve a mode the codec cannot convert to: undefined (a miss)', async () => {
    const { entries } = await setup({ replay: undefined, assemble: undefined });
    expect(entries.serve({ f: 'json', v: { text: 'ab' } }, 'p', true, true)).toBeUndefined();
    expect(entries.serve({ f: 'stream', v: [{ delta: 'x' }] }, 'p', false, true)).toBeUndefined();
  });

  it('describes an answer by the codec (model, usage, rounded latency) and reports a throwing codec', async () => {
    const { entries, reported } = await setup();
    expect(entries.meta({ text: 'a', usage: { in: 1, out: 2 } }, 'p', 12.6)).toEqual({
      latencyMs: 13,
      model: 'toy-1',
      usage: { promptTokens: 1, completionTokens: 2 },
    });
    const broken = await setup({
      model: () => {
        throw new Error('boom');
      },
    });
    expect(broken.entries.meta({ text: 'a' }, 'p', 1)).toEqual({ latencyMs: 1 });
    expect(broken.reported).toHaveLength(1);
    expect(reported).toHaveLength(0);
  });

  it('asks the codec whether an answer may be stored; a throwing check stores nothing', async () => {
    const { entries } = await setup();
    expect(entries.storable({ text: 'a' }, 'p')).toBe(true);
    expect(entries.storable({ text: '' }, 'p')).toBe(false);
    const broken = await setup({
      storable: () => {
        throw new Error('boom');
      },
    });
    expect(broken.entries.storable({ text: 'a' }, 'p')).toBe(false);
    expect(broken.reported).toHaveLength(1);
  });

  it('gives a recording the hooks that store a clean stream, and not an incomplete one', async () => {
    const { entries, entry } = await setup({
      assemble: (chunks) => (chunks.length ? { text: 'z' } : undefined),
    });
    const call = {
      prepared: { request: 'p', perCall: {} },
      entry,
      key: 'k',
      producer: {},
    } as unknown as Call<string, Answer, Chunk>;
    const hooks = entries.recordingHooks(call, true, new Budget(1000));
    expect(await hooks.store?.([], undefined, { latencyMs: 1 })).toBe(false);
    expect(await hooks.store?.([{ delta: 'z' }], { text: 'z' }, { latencyMs: 1 })).toBe(true);
    expect(entries.peek(entry)?.entry).toEqual({ f: 'stream', v: [{ delta: 'z' }] });
    expect(entries.recordingHooks(call, false, new Budget(1000)).store).toBeUndefined();
  });
});
