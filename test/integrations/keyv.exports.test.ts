/**
 * `CacheKeyvStore` (`ai-response-cache/keyv`), the class `toKeyvStore` returns, used directly
 * and under Keyv: what its options and `opts` are, how Keyv namespaces map onto cache
 * namespaces, TTLs in milliseconds (on an injected clock), the batch methods, the iterator and
 * `disconnect()`.
 */
import Keyv from 'keyv';
import { afterAll, describe, expect, it } from 'vitest';
import { type Cache, createCache, MemoryBackend } from '../../src/index.js';
import { CacheKeyvStore, toKeyvStore } from '../../src/integrations/keyv/index.js';
import { fakeClock } from '../helpers/clock.js';

const caches: Cache[] = [];
afterAll(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});

function setup(ttl?: string) {
  const clock = fakeClock();
  const backend = new MemoryBackend({ now: clock.now });
  const cache = createCache({ prefix: 'keyv-exports', backend, now: clock.now, ...(ttl ? { ttl } : {}) });
  caches.push(cache);
  return { cache, backend, clock, store: new CacheKeyvStore(cache) };
}

describe('CacheKeyvStore', () => {
  it('is what toKeyvStore returns; opts carry the options and the iterator dialect Keyv reads', () => {
    const { cache } = setup();
    const store = toKeyvStore(cache, { closeOnDisconnect: true });
    expect(store).toBeInstanceOf(CacheKeyvStore);
    expect(store.opts).toEqual({
      closeOnDisconnect: true,
      dialect: 'ai-response-cache',
      url: 'ai-response-cache://redis-compatible-iterator',
    });
    expect(new CacheKeyvStore(cache).opts.closeOnDisconnect).toBeUndefined();
    expect(store.namespace).toBeUndefined();
    expect(typeof store.on).toBe('function');
  });

  it('without a namespace it reads and writes the cache itself; with one, that namespace of the cache', async () => {
    const { cache, store } = setup();
    expect(await store.set('k', { v: 1 })).toBe(true);
    expect(await cache.get('k')).toEqual({ v: 1 });
    store.namespace = 'users';
    await store.set('k', 'in users');
    expect(await cache.namespace('users').get('k')).toBe('in users');
    expect(await store.get('k')).toBe('in users');
    store.namespace = undefined;
    expect(await store.get('k')).toEqual({ v: 1 });
    store.namespace = '';
    expect(await store.get('k')).toEqual({ v: 1 });
  });

  it('a positive ttl is milliseconds; a missing, zero or invalid one is the cache default TTL', async () => {
    const { store, clock } = setup('1h');
    await store.set('short', 1, 1000);
    await store.set('zero', 2, 0);
    await store.set('nan', 3, Number.NaN);
    await store.set('none', 4);
    clock.advance(1500);
    expect(await store.get('short')).toBeUndefined();
    expect(await store.has('short')).toBe(false);
    expect(await store.getMany(['zero', 'nan', 'none'])).toEqual([2, 3, 4]);
    clock.advance(3_600_000);
    expect(await store.getMany(['zero', 'nan', 'none'])).toEqual([undefined, undefined, undefined]);
  });

  it('batch methods: setMany, getMany (in order), hasMany, deleteMany (whether one existed)', async () => {
    const { store } = setup();
    await store.setMany([
      { key: 'a', value: 'A' },
      { key: 'b', value: 'B', ttl: 60_000 },
    ]);
    expect(await store.getMany(['b', 'missing', 'a'])).toEqual(['B', undefined, 'A']);
    expect(await store.hasMany(['a', 'missing'])).toEqual([true, false]);
    expect(await store.deleteMany(['missing', 'a'])).toBe(true);
    expect(await store.deleteMany(['missing', 'a'])).toBe(false);
    expect(await store.delete('b')).toBe(true);
    expect(await store.delete('b')).toBe(false);
  });

  it('clear() and iterator() stay inside the current namespace (nested namespaces not included)', async () => {
    const { cache, store } = setup();
    await cache.set('root', 'r');
    store.namespace = 'ns';
    await store.set('1', 'one');
    await store.set('2', 'two');
    await cache.namespace('ns').namespace('deeper').set('3', 'nested');
    const seen: [string, unknown][] = [];
    for await (const entry of store.iterator()) seen.push(entry);
    expect(seen.sort()).toEqual([
      ['1', 'one'],
      ['2', 'two'],
    ]);
    await store.clear();
    expect(await store.get('1')).toBeUndefined();
    expect(await cache.get('root')).toBe('r');
  });

  it('under Keyv: Keyv sets the namespace, values round-trip, keyv.iterator() works', async () => {
    const { cache, store } = setup();
    const keyv = new Keyv({ store, namespace: 'app' });
    expect(store.namespace).toBe('app');
    await keyv.set('user:1', { name: 'Ada' }, 60_000);
    expect(await keyv.get('user:1')).toEqual({ name: 'Ada' });
    // Keyv hands the store its keys prefixed with the namespace; the store keeps them in the
    // cache namespace of the same name.
    expect(await cache.namespace('app').has('app:user:1')).toBe(true);
    expect(await cache.has('app:user:1')).toBe(false);
    const seen: unknown[] = [];
    for await (const entry of keyv.iterator?.(undefined) ?? []) seen.push(entry);
    expect(seen).toEqual([['user:1', { name: 'Ada' }]]);
  });

  it('disconnect() closes the cache only with closeOnDisconnect', async () => {
    const kept = setup();
    await kept.store.disconnect();
    await expect(kept.backend.get('x')).resolves.toBeUndefined();
    const closing = setup();
    await new CacheKeyvStore(closing.cache, { closeOnDisconnect: true }).disconnect();
    await expect(closing.backend.get('x')).rejects.toThrow(/closed/);
  });

  it('a cache without a backend (L1 only) stores values but iterates nothing', async () => {
    const cache = createCache({ prefix: 'keyv-l1' });
    caches.push(cache);
    const store = new CacheKeyvStore(cache);
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    const seen: unknown[] = [];
    for await (const entry of store.iterator()) seen.push(entry);
    expect(seen).toEqual([]);
  });
});
