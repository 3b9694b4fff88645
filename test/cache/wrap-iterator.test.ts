import { describe, expect, it } from 'vitest';
import { createCache } from '../../src/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('Cache.wrapIterator', () => {
  it('streams items as produced on a miss, stores on a clean finish and replays on hits', async () => {
    const cache = createCache();
    let calls = 0;
    const produced: number[] = [];
    async function* tokens(prompt: string) {
      calls++;
      for (const word of prompt.split(' ')) {
        await sleep(1);
        produced.push(Date.now());
        yield word;
      }
    }
    const cached = cache.wrapIterator(tokens, { ttl: '1h' });
    // The first item reaches the caller before the generator has finished.
    const iterator = cached('a b c');
    const first = await iterator.next();
    expect(first).toEqual({ done: false, value: 'a' });
    expect(produced).toHaveLength(1);
    expect(await collect(iterator)).toEqual(['b', 'c']);
    expect(await collect(cached('a b c'))).toEqual(['a', 'b', 'c']);
    expect(calls).toBe(1);
  });

  it('does not store an iteration that threw or that every reader left early', async () => {
    const cache = createCache();
    let calls = 0;
    async function* flaky(fail: boolean) {
      calls++;
      yield 1;
      if (fail) throw new Error('broken stream');
      yield 2;
    }
    const cached = cache.wrapIterator(flaky, { key: (fail) => ['flaky', String(fail)] });
    await expect(collect(cached(true))).rejects.toThrow('broken stream');
    await expect(collect(cached(true))).rejects.toThrow('broken stream');
    expect(calls).toBe(2);
    for await (const item of cached(false)) {
      expect(item).toBe(1);
      break; // the only reader stops early: the iteration is aborted, not stored
    }
    expect(await collect(cached(false))).toEqual([1, 2]);
    expect(calls).toBe(4);
    expect(await collect(cached(false))).toEqual([1, 2]);
    expect(calls).toBe(4);
  });

  it('concurrent identical calls attach to the one running iteration', async () => {
    const cache = createCache();
    let calls = 0;
    async function* slow() {
      calls++;
      for (let i = 0; i < 3; i++) {
        await sleep(5);
        yield i;
      }
    }
    const cached = cache.wrapIterator(slow, { name: 'slow' });
    const results = await Promise.all([collect(cached()), collect(cached()), collect(cached())]);
    expect(results).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(calls).toBe(1);
  });

  it("honours condition and the 'bypass' strategy", async () => {
    const cache = createCache();
    let calls = 0;
    async function* empty() {
      calls++;
      yield* [];
    }
    const cached = cache.wrapIterator(empty, { name: 'empty', condition: (items) => items.length > 0 });
    await collect(cached());
    await collect(cached());
    expect(calls).toBe(2);
    const bypass = cache.wrapIterator(empty, { name: 'empty2', strategy: 'bypass' });
    await collect(bypass());
    expect(calls).toBe(3);
  });
});
