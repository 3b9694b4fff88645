import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AIResponseCache,
  type CallPath,
  createCallPath,
  type ProviderCodec,
  ValidationError,
} from '../../../src/index.js';

/** A toy provider: the answer is `{ text, usage }`; a stream is pieces, then a finish marker, then usage. */
interface Req {
  prompt: string;
  temperature?: number;
  user?: string;
}
interface Answer {
  text: string;
  finish: string;
  usage?: { in: number; out: number };
}
type Chunk = { delta?: string; finish?: string; usage?: { in: number; out: number } };

const codec: ProviderCodec<Req, Answer, Chunk> = {
  name: 'toy',
  keyMaterial: ({ prompt, temperature }) => ({ prompt, temperature }),
  sampled: (req) => (req.temperature ?? 0) > 0,
  storable: (answer) => answer.finish === 'stop',
  assemble(chunks) {
    const finish = chunks.find((c) => c.finish)?.finish;
    if (!finish) return undefined;
    const usage = chunks.find((c) => c.usage)?.usage;
    return { text: chunks.map((c) => c.delta ?? '').join(''), finish, ...(usage ? { usage } : {}) };
  },
  replay: (answer) => [
    ...answer.text.split(' ').map((word, i) => ({ delta: i === 0 ? word : ` ${word}` })),
    { finish: answer.finish },
    ...(answer.usage ? [{ usage: answer.usage }] : []),
  ],
  complete: (chunks) => chunks.some((c) => c.finish),
  usage: (answer) => answer.usage && { promptTokens: answer.usage.in, completionTokens: answer.usage.out },
  model: () => 'toy-1',
};

/** A fake upstream that counts its calls; streams yield with a tick between chunks. */
function upstream(text = 'hello big world') {
  const calls = { json: 0, stream: 0, aborted: 0 };
  const answer = (): Answer => ({ text, finish: 'stop', usage: { in: 3, out: 3 } });
  const producer = () => ({
    json: async () => {
      calls.json++;
      await new Promise((r) => setTimeout(r, 5));
      return { value: answer(), extra: 'json-extra' };
    },
    stream: async () => {
      calls.stream++;
      const controller = new AbortController();
      const chunks = codec.replay?.(answer(), { prompt: '' }) ?? [];
      async function* gen() {
        for (const chunk of chunks) {
          await new Promise((r) => setTimeout(r, 2));
          if (controller.signal.aborted) {
            calls.aborted++;
            return;
          }
          yield chunk;
        }
      }
      const it = gen();
      return { value: Object.assign(it, { controller }), extra: 'stream-extra' };
    },
  });
  return { calls, producer };
}

async function collect<T>(stream: AsyncIterable<T> | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream ?? []) out.push(item);
  return out;
}

describe('createCallPath (memory)', () => {
  let ai: AIResponseCache;
  let path: CallPath<Req, Answer, Chunk>;
  beforeEach(() => {
    ai = new AIResponseCache();
    path = createCallPath(codec, { cache: ai });
  });
  afterEach(() => ai.close());

  it('a miss goes upstream once and stores; the second call is a hit with a private copy', async () => {
    const { calls, producer } = upstream();
    const first = await path.resolve(await path.prepare({ prompt: 'p' }), producer());
    expect(first).toMatchObject({ status: 'miss', extra: 'json-extra', answer: { text: 'hello big world' } });
    (first.answer as Answer).text = 'mutated by the caller';
    const second = await path.resolve(await path.prepare({ prompt: 'p' }), producer());
    expect(second.status).toBe('hit');
    expect(second.answer?.text).toBe('hello big world');
    expect(second.extra).toBeUndefined();
    (second.answer as Answer).text = 'mutated again';
    const third = await path.resolve(await path.prepare({ prompt: 'p' }), producer());
    expect(third.answer?.text).toBe('hello big world');
    expect(calls).toMatchObject({ json: 1, stream: 0 });
    expect(ai.stats().savings).toMatchObject({
      upstreamCallsAvoided: 2,
      tokens: { prompt: 6, completion: 6 },
    });
  });

  it('keys the request once per call (keyMaterial called once) and never puts prompt text in the key', async () => {
    const spy = vi.spyOn(codec, 'keyMaterial');
    const { producer } = upstream();
    const prepared = await path.prepare({ prompt: 'a secret prompt' });
    await path.resolve(prepared, producer());
    await path.resolve(await path.prepare({ prompt: 'a secret prompt' }), producer());
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
    expect(prepared.key).toMatch(/sha256:[0-9a-f]{64}/);
    expect(prepared.key).not.toContain('secret');
  });

  it('10 streaming and 10 JSON identical concurrent calls make one upstream call', async () => {
    const { calls, producer } = upstream();
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) =>
        path.resolve(await path.prepare({ prompt: 'same' }), producer(), { stream: i % 2 === 0 }),
      ),
    );
    const texts = await Promise.all(
      results.map(async (r) =>
        r.stream ? (await collect(r.stream)).map((c) => c.delta ?? '').join('') : r.answer?.text,
      ),
    );
    expect(calls.json + calls.stream).toBe(1);
    expect(new Set(texts)).toEqual(new Set(['hello big world']));
    expect(results.filter((r) => r.status === 'miss')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'coalesced')).toHaveLength(19);
    // Stored: a later JSON caller and a later stream caller both hit.
    const later = await path.resolve(await path.prepare({ prompt: 'same' }), producer());
    expect(later).toMatchObject({ status: 'hit', answer: { text: 'hello big world', usage: { in: 3 } } });
  });

  it('a consumer that edits its chunks changes nothing stored or seen by others', async () => {
    const { producer } = upstream();
    const [a, b] = await Promise.all([
      path.resolve(await path.prepare({ prompt: 'm' }), producer(), { stream: true }),
      path.resolve(await path.prepare({ prompt: 'm' }), producer(), { stream: true }),
    ]);
    const edited: Chunk[] = [];
    for await (const chunk of a.stream ?? []) {
      if (chunk.delta) chunk.delta = 'X';
      delete chunk.usage;
      edited.push(chunk);
    }
    const seen = await collect(b.stream);
    expect(seen.map((c) => c.delta ?? '').join('')).toBe('hello big world');
    expect(seen.at(-1)).toEqual({ usage: { in: 3, out: 3 } });
    const hit = await path.resolve(await path.prepare({ prompt: 'm' }), producer());
    expect(hit.answer).toEqual({ text: 'hello big world', finish: 'stop', usage: { in: 3, out: 3 } });
    const replay = await path.resolve(await path.prepare({ prompt: 'm' }), producer(), { stream: true });
    expect(await collect(replay.stream)).toEqual(seen);
  });

  it('a consumer that breaks at the finish chunk still leaves a hit (the rest read in the background)', async () => {
    const { calls, producer } = upstream();
    const miss = await path.resolve(await path.prepare({ prompt: 'b' }), producer(), { stream: true });
    for await (const chunk of miss.stream ?? []) if (chunk.finish) break;
    await vi.waitFor(async () => {
      const hit = await path.resolve(await path.prepare({ prompt: 'b' }), producer(), { stream: false });
      expect(hit.status).toBe('hit');
      expect(hit.answer?.usage).toEqual({ in: 3, out: 3 });
    });
    expect(calls.stream).toBe(1);
  });

  it('an abandoned stream (before its answer is complete) is aborted and not stored', async () => {
    const { calls, producer } = upstream();
    const miss = await path.resolve(await path.prepare({ prompt: 'x' }), producer(), { stream: true });
    for await (const _ of miss.stream ?? []) break;
    const next = await path.resolve(await path.prepare({ prompt: 'x' }), producer());
    expect(next.status).toBe('miss');
    expect(calls.stream).toBe(1);
    expect(calls.json).toBe(1);
  });

  it('upstream errors propagate to every sharing caller and nothing is stored', async () => {
    let n = 0;
    const failing = { json: async () => Promise.reject(new Error(`upstream down ${++n}`)) };
    const all = await Promise.allSettled(
      Array.from({ length: 3 }, async () => path.resolve(await path.prepare({ prompt: 'e' }), failing)),
    );
    expect(all.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(n).toBe(1);
    const { producer } = upstream();
    expect((await path.resolve(await path.prepare({ prompt: 'e' }), producer())).status).toBe('miss');
  });

  it('an answer the codec does not call storable is served but not stored', async () => {
    let calls = 0;
    const truncated = {
      json: async () => ({ value: { text: 'cut', finish: 'length' } as Answer, calls: calls++ }),
    };
    await path.resolve(await path.prepare({ prompt: 't' }), truncated);
    const again = await path.resolve(await path.prepare({ prompt: 't' }), truncated);
    expect(again.status).toBe('miss');
    expect(calls).toBe(2);
  });

  it('per-call options: noCache, noStore, forceRefresh, namespace; invalid ones are a ValidationError', async () => {
    const { calls, producer } = upstream();
    await path.resolve(await path.prepare({ prompt: 'o' }), producer());
    expect(
      (await path.resolve(await path.prepare({ prompt: 'o' }, { noCache: true }), producer())).status,
    ).toBe('miss');
    expect(
      (await path.resolve(await path.prepare({ prompt: 'o' }, { namespace: 'tenant-b' }), producer())).status,
    ).toBe('miss');
    expect(
      (await path.resolve(await path.prepare({ prompt: 'o2' }, { noStore: true }), producer())).status,
    ).toBe('miss');
    expect((await path.resolve(await path.prepare({ prompt: 'o2' }), producer())).status).toBe('miss');
    expect(
      (await path.resolve(await path.prepare({ prompt: 'o' }, { forceRefresh: true }), producer())).status,
    ).toBe('miss');
    expect((await path.resolve(await path.prepare({ prompt: 'o' }), producer())).status).toBe('hit');
    expect(calls.json).toBe(6);
    await expect(path.prepare({ prompt: 'o' }, { noCach: true } as never)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(path.prepare({ prompt: 'o' }, { ttl: -1, sampling: 'x' } as never)).rejects.toMatchObject({
      issues: [{ path: 'cache.ttl' }, { path: 'cache.sampling' }],
    });
  });

  it('sampling: first (default), bypass, or a bucket of N answers served in turn', async () => {
    let n = 0;
    const numbered = { json: async () => ({ value: { text: `answer ${++n}`, finish: 'stop' } }) };
    const sampled = { prompt: 's', temperature: 1 };
    const first = createCallPath(codec, { cache: ai });
    await first.resolve(await first.prepare(sampled), numbered);
    expect((await first.resolve(await first.prepare(sampled), numbered)).answer?.text).toBe('answer 1');
    const bypass = createCallPath(codec, { cache: ai, sampling: 'bypass' });
    expect((await bypass.resolve(await bypass.prepare(sampled), numbered)).status).toBe('bypass');
    const bucket = createCallPath(codec, { cache: ai, sampling: { bucket: 2 } });
    const texts: string[] = [];
    for (let i = 0; i < 5; i++) {
      texts.push(
        (await bucket.resolve(await bucket.prepare({ ...sampled, prompt: 'b2' }), numbered)).answer?.text ??
          '',
      );
    }
    expect(texts).toEqual(['answer 3', 'answer 4', 'answer 3', 'answer 4', 'answer 3']);
    // A deterministic request is not sampled: one entry.
    const det = await bucket.resolve(await bucket.prepare({ prompt: 'b2' }), numbered);
    expect((await bucket.resolve(await bucket.prepare({ prompt: 'b2' }), numbered)).answer).toEqual(
      det.answer,
    );
  });

  it('scope separates providers: the same request on two scopes never shares an answer', async () => {
    const a = createCallPath(codec, { cache: ai, scope: 'https://api.a.test/v1' });
    const b = createCallPath(codec, { cache: ai, scope: 'https://api.b.test/v1' });
    const { calls, producer } = upstream();
    await a.resolve(await a.prepare({ prompt: 'q' }), producer());
    expect((await b.resolve(await b.prepare({ prompt: 'q' }), producer())).status).toBe('miss');
    expect((await a.resolve(await a.prepare({ prompt: 'q' }), producer())).status).toBe('hit');
    expect(calls.json).toBe(2);
  });

  it('resolveEach: partial hits send only the misses; overlapping concurrent batches share inputs', async () => {
    const sent: string[][] = [];
    const each = createCallPath<Req, number[], never>(
      { name: 'emb', keyMaterial: (r) => r.prompt },
      { cache: ai },
    );
    const produce = async (missing: readonly Req[]) => {
      sent.push(missing.map((m) => m.prompt));
      await new Promise((r) => setTimeout(r, 10));
      return { value: missing.map((m) => [m.prompt.length]) };
    };
    const prep = (inputs: string[]) => Promise.all(inputs.map((prompt) => each.prepare({ prompt })));
    const [x, y] = await Promise.all([
      each.resolveEach(await prep(['a', 'bb', 'ccc']), produce),
      (async () => {
        await new Promise((r) => setTimeout(r, 1));
        return each.resolveEach(await prep(['bb', 'dddd', 'bb']), produce);
      })(),
    ]);
    expect(x.answers).toEqual([[1], [2], [3]]);
    expect(y.answers).toEqual([[2], [4], [2]]);
    expect(y.statuses).toEqual(['coalesced', 'miss', 'coalesced']);
    expect(sent).toEqual([['a', 'bb', 'ccc'], ['dddd']]);
    const z = await each.resolveEach(await prep(['a', 'eeeee']), produce);
    expect(z.statuses).toEqual(['hit', 'miss']);
    expect(sent.at(-1)).toEqual(['eeeee']);
  });

  it('invalid path options are a ValidationError listing every problem', () => {
    expect(() =>
      createCallPath(codec, { cache: {} as never, ttl: -5, lock: { wait: 'soon' }, bogus: 1 } as never),
    ).toThrow(ValidationError);
    try {
      createCallPath(codec, { cache: {} as never, ttl: -5, lock: { wait: 'soon' }, bogus: 1 } as never);
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual([
        'bogus',
        'cache',
        'lock.wait',
        'ttl',
      ]);
    }
  });
});
