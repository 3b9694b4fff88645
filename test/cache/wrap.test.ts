import { describe, expect, expectTypeOf, it } from 'vitest';
import { invalidateTags } from '../../src/cache/tags.js';
import { wrapFunction, wrapIterator, wrapKey } from '../../src/cache/wrap.js';
import { createCache, ValidationError } from '../../src/index.js';
import { readyScope } from './fixtures/scope.js';

describe('Cache.wrap', () => {
  it('caches by a key template over a single object argument and keeps the signature', async () => {
    const cache = createCache({ prefix: 'app' });
    let calls = 0;
    async function fetchItems(query: { category: string; page: number }) {
      calls++;
      return [`${query.category}-${query.page}`];
    }
    const listItems = cache.wrap(fetchItems, { key: 'items:{category}:{page}', ttl: '5m' });
    expectTypeOf(listItems).toEqualTypeOf<(query: { category: string; page: number }) => Promise<string[]>>();
    expect(await listItems({ category: 'books', page: 2 })).toEqual(['books-2']);
    expect(await listItems({ category: 'books', page: 2 })).toEqual(['books-2']);
    expect(await listItems({ category: 'books', page: 3 })).toEqual(['books-3']);
    expect(calls).toBe(2);
    expect(await cache.get(['items', 'books', '2'])).toEqual(['books-2']);
  });

  it('a value containing ":" cannot forge another key', async () => {
    const cache = createCache();
    const fn = cache.wrap(async (q: { a: string; b: string }) => `${q.a}|${q.b}`, { key: 'x:{a}:{b}' });
    expect(await fn({ a: 'p:q', b: 'r' })).toBe('p:q|r');
    expect(await fn({ a: 'p', b: 'q:r' })).toBe('p|q:r');
  });

  it('supports positional arguments (arg0, arg1) and key functions', async () => {
    const cache = createCache();
    let calls = 0;
    const add = cache.wrap(
      (a: number, b: number) => {
        calls++;
        return a + b;
      },
      { key: 'add:{arg0}:{arg1}' },
    );
    expect(await add(1, 2)).toBe(3);
    expect(await add(1, 2)).toBe(3);
    const mul = cache.wrap((a: number, b: number) => a * b, { key: (a, b) => ['mul', a, b] });
    expect(await mul(3, 4)).toBe(12);
    expect(await cache.get(['mul', 3, 4])).toBe(12);
    expect(calls).toBe(1);
  });

  it('derives the key from the function name and a stable hash of the arguments', async () => {
    const cache = createCache();
    let calls = 0;
    async function lookupUser(filter: { id: number; fields: string[] }) {
      calls++;
      return { id: filter.id };
    }
    const cached = cache.wrap(lookupUser, { tags: ['users'] });
    await cached({ id: 1, fields: ['a'] });
    await cached({ fields: ['a'], id: 1 }); // same arguments, other key order
    expect(calls).toBe(1);
    await cache.invalidateTags(['users']);
    await new Promise((r) => setTimeout(r, 2));
    await cached({ id: 1, fields: ['a'] });
    expect(calls).toBe(2);
    expect(() => cache.wrap(async () => 1)).toThrow(ValidationError);
  });

  it('shares getOrSet policies: one call for concurrent identical arguments, errors not cached', async () => {
    const cache = createCache();
    let calls = 0;
    const slow = cache.wrap(
      async (n: number) => {
        calls++;
        await new Promise((r) => setTimeout(r, 10));
        if (n < 0) throw new Error('negative');
        return n * 2;
      },
      { name: 'double' },
    );
    expect(await Promise.all([slow(2), slow(2), slow(2)])).toEqual([4, 4, 4]);
    expect(calls).toBe(1);
    await expect(slow(-1)).rejects.toThrow('negative');
    await expect(slow(-1)).rejects.toThrow('negative');
    expect(calls).toBe(3);
  });
});

describe('wrap module (functions on a scope)', () => {
  it('wrapKey: a key function, a rendered template (verbatim string key), or fn/name/hash of the arguments', async () => {
    const s = await readyScope();
    const byFn = wrapKey<[number]>(
      s,
      () => 0,
      (n) => ['n', n],
      undefined,
    );
    expect(await byFn([3])).toEqual(['n', 3]);
    const byTemplate = wrapKey<[{ id: string }]>(s, () => 0, 'item:{id}', undefined);
    expect(await byTemplate([{ id: 'a' }])).toBe('item:a');
    async function load(_x: number) {}
    const hashed = await wrapKey<[number]>(s, load, undefined, undefined)([1]);
    expect(Array.isArray(hashed) && hashed.slice(0, 2)).toEqual(['fn', 'load']);
    expect(await wrapKey<[number]>(s, load, undefined, 'other')([1])).not.toEqual(hashed);
    expect(await wrapKey<[number]>(s, load, undefined, undefined)([2])).not.toEqual(hashed);
    expect(() => wrapKey(s, () => 0, undefined, undefined)).toThrow(ValidationError);
  });

  it('wrapFunction caches per argument list and applies its policies', async () => {
    const s = await readyScope();
    let calls = 0;
    const wrapped = wrapFunction(s, async (n: number) => n * 10 + ++calls, { name: 'times', tags: ['t'] });
    expect(await wrapped(1)).toBe(11);
    expect(await wrapped(1)).toBe(11);
    expect(await wrapped(2)).toBe(22);
    expect(calls).toBe(2);
    await invalidateTags(s, ['t']);
    expect(await wrapped(1)).toBe(13);
    expect(calls).toBe(3);
  });

  it('wrapIterator records a finished iteration and replays it', async () => {
    const s = await readyScope();
    let runs = 0;
    async function* count(n: number) {
      runs++;
      for (let i = 0; i < n; i++) yield i;
    }
    const cached = wrapIterator(s, count, {});
    const collect = async (it: AsyncIterable<number>) => {
      const out: number[] = [];
      for await (const x of it) out.push(x);
      return out;
    };
    expect(await collect(cached(3))).toEqual([0, 1, 2]);
    expect(await collect(cached(3))).toEqual([0, 1, 2]);
    expect(runs).toBe(1);
  });
});
