/**
 * `toKeyvStore`: the `@keyv/test-suite` on a memory-backed and on a Redis-backed `Cache` (the
 * shared real redis-server), plus namespace isolation and use under cache-manager.
 */
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import { createCache as createCacheManager } from 'cache-manager';
import { Cacheable } from 'cacheable';
import Keyv from 'keyv';
import * as vitest from 'vitest';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Cache,
  createCache,
  InfrastructureError,
  MemoryBackend,
  RedisBackend,
} from '../../src/index.js';
import { toKeyvStore } from '../../src/integrations/keyv/index.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';

const caches: Cache[] = [];
afterAll(async () => {
  await Promise.all(caches.map((c) => c.close()));
});

describe('toKeyvStore over memory', () => {
  const store = () => {
    const cache = createCache({ prefix: uniqueCachePrefix('keyv'), backend: new MemoryBackend() });
    caches.push(cache);
    return toKeyvStore(cache);
  };
  keyvTestSuite(vitest, Keyv, store);
  keyvIteratorTests(vitest, Keyv, store);

  it('isolates Keyv namespaces and clears only its own', async () => {
    const cache = createCache({ prefix: uniqueCachePrefix('keyv'), backend: new MemoryBackend() });
    caches.push(cache);
    const a = new Keyv({ store: toKeyvStore(cache), namespace: 'a' });
    const b = new Keyv({ store: toKeyvStore(cache), namespace: 'b' });
    await a.set('k', 'va');
    await b.set('k', 'vb');
    expect(await a.get('k')).toBe('va');
    expect(await b.get('k')).toBe('vb');
    await a.clear();
    expect(await a.get('k')).toBeUndefined();
    expect(await b.get('k')).toBe('vb');
  });

  it('iterator() ends with an error event, not a rejection, when the backend fails', async () => {
    const backend = new MemoryBackend();
    const cache = createCache({ prefix: uniqueCachePrefix('keyv'), backend });
    caches.push(cache);
    const store = toKeyvStore(cache);
    const errors: unknown[] = [];
    store.on('error', (e) => errors.push(e));
    await store.set('k', 'v');
    await backend.close(); // keys() now throws
    const seen: unknown[] = [];
    for await (const entry of store.iterator()) seen.push(entry);
    expect(seen).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(InfrastructureError);
  });

  it('serves cache-manager', async () => {
    const cache = createCache({ prefix: uniqueCachePrefix('keyv'), backend: new MemoryBackend() });
    caches.push(cache);
    const manager = createCacheManager({ stores: [new Keyv({ store: toKeyvStore(cache) })] });
    await manager.set('user:1', { name: 'Ada' }, 60_000);
    expect(await manager.get('user:1')).toEqual({ name: 'Ada' });
    expect(await manager.del('user:1')).toBe(true);
    expect(await manager.get('user:1')).toBeUndefined();
  });

  it('serves cacheable as its secondary store', async () => {
    const cache = createCache({ prefix: uniqueCachePrefix('keyv'), backend: new MemoryBackend() });
    caches.push(cache);
    const cacheable = new Cacheable({ secondary: new Keyv({ store: toKeyvStore(cache) }) });
    await cacheable.set('answer', 42, '1m');
    expect(await new Keyv({ store: toKeyvStore(cache) }).get('answer')).toBe(42);
    expect(await cacheable.get('answer')).toBe(42);
  });
});

describeRedis('toKeyvStore over Redis', (url) => {
  const store = () => {
    const cache = createCache({ prefix: uniqueCachePrefix('keyv'), backend: new RedisBackend({ url }) });
    caches.push(cache);
    return toKeyvStore(cache);
  };
  keyvTestSuite(vitest, Keyv, store);
  keyvIteratorTests(vitest, Keyv, store);

  it('iterator() lists the namespace across processes, without nested namespaces or other prefixes', async () => {
    const prefix = uniqueCachePrefix('keyv');
    const one = createCache({ prefix, backend: new RedisBackend({ url }) });
    const two = createCache({ prefix, backend: new RedisBackend({ url }) });
    const other = createCache({ prefix: uniqueCachePrefix('keyv'), backend: new RedisBackend({ url }) });
    caches.push(one, two, other);
    const writer = new Keyv({ store: toKeyvStore(one), namespace: 'users' });
    await writer.set('1', { name: 'Ada' });
    await writer.set('2', { name: 'Grace' });
    await one.namespace('users').namespace('nested').set('users:3', 'not a Keyv entry');
    await new Keyv({ store: toKeyvStore(other), namespace: 'users' }).set('9', 'elsewhere');
    const reader = new Keyv({ store: toKeyvStore(two), namespace: 'users' });
    const seen: [string, unknown][] = [];
    expect(typeof reader.iterator).toBe('function');
    for await (const entry of reader.iterator?.(undefined) ?? []) seen.push(entry as [string, unknown]);
    expect(seen.sort()).toEqual([
      ['1', { name: 'Ada' }],
      ['2', { name: 'Grace' }],
    ]);
  });

  it('a value written through one process-like cache is read by another', async () => {
    const prefix = uniqueCachePrefix('keyv');
    const one = createCache({ prefix, backend: new RedisBackend({ url }) });
    const two = createCache({ prefix, backend: new RedisBackend({ url }) });
    caches.push(one, two);
    await new Keyv({ store: toKeyvStore(one) }).set('shared', { n: 1 });
    expect(await new Keyv({ store: toKeyvStore(two) }).get('shared')).toEqual({ n: 1 });
  });
});
