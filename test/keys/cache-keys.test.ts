import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { ValidationError } from '../../src/errors.js';
import { type CacheKey, createCache } from '../../src/index.js';

function setup() {
  const backend = new MemoryBackend();
  const cache = createCache({ prefix: 'app', backend });
  return { backend, cache };
}

async function validationIssues(promise: Promise<unknown>): Promise<{ path: string; message: string }[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return [...(error as ValidationError).issues];
}

describe('Cache key rules', () => {
  it('a string key and the array of its plain parts are one entry; a number is its decimal string', async () => {
    const { cache } = setup();
    await cache.set('items:books:2', 'page 2');
    expect(await cache.get(['items', 'books', 2])).toBe('page 2');
    expect(await cache.get(['items', 'books', '2'])).toBe('page 2');
    expect(await cache.fullKey('items:books:2')).toBe('app::items:books:2');
    await cache.set(7, 'seven');
    expect(await cache.get('7')).toBe('seven');
    expect(await cache.delete(['7'])).toBe(true);
    expect(await cache.get(7)).toBeUndefined();
  });

  it('a wrap template key is read and deleted as its string', async () => {
    const { cache } = setup();
    let calls = 0;
    const list = cache.wrap(
      async (q: { category: string; page: number }) => {
        calls++;
        return [q.category, q.page];
      },
      { key: 'items:{category}:{page}' },
    );
    await list({ category: 'books', page: 2 });
    expect(await cache.get('items:books:2')).toEqual(['books', 2]);
    expect(await cache.delete('items:books:2')).toBe(true);
    await list({ category: 'books', page: 2 });
    expect(calls).toBe(2);
    // A template in a namespace: the same rule inside it.
    const ns = cache.namespace('tenant-a');
    const nsList = ns.wrap(async (q: { id: number }) => q.id, { key: 'item:{id}' });
    await nsList({ id: 5 });
    expect(await ns.get('item:5')).toBe(5);
    expect(await cache.get('item:5')).toBeUndefined();
  });

  it('object keys no longer collapse into one key: every operation rejects them, nothing is written', async () => {
    const { backend, cache } = setup();
    const bad: unknown[] = [{ tenant: 'a' }, { tenant: 'b' }, null, undefined, Number.NaN, true, [], [{}]];
    for (const key of bad) {
      const k = key as CacheKey;
      for (const call of [
        () => cache.set(k, 'v'),
        () => cache.get(k),
        () => cache.has(k),
        () => cache.delete(k),
        () => cache.lookup(k),
        () => cache.getOrSet(k, () => 'produced'),
        () => cache.getMany(['ok', k]),
        () => cache.fullKey(k),
      ]) {
        const issues = await validationIssues(call());
        expect(issues[0]?.path).toMatch(/^key(\.\d+)?$/);
        expect(JSON.stringify(issues)).not.toContain('tenant');
      }
    }
    expect(backend.size).toBe(0);
  });

  it('a wrap key function returning an invalid key is a ValidationError, not a bare TypeError', async () => {
    const { cache } = setup();
    const fn = cache.wrap(async (id: unknown) => id, { key: (id) => id as CacheKey });
    await expect(fn({ id: 1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(fn(null)).rejects.toBeInstanceOf(ValidationError);
    expect(await fn('fine')).toBe('fine');
  });
});
