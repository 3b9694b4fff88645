import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { type CacheEvent, createCache } from '../../src/index.js';
import { RedisLock } from '../../src/locks/redis-lock.js';
import { describeOwnRedisServer, describeRedis, uniqueCachePrefix } from '../helpers/redis.js';
import { type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';

describeRedis('Cache over a real Redis', (url) => {
  const backends: RedisBackend[] = [];
  const backend = () => {
    const b = new RedisBackend({ url });
    backends.push(b);
    return b;
  };
  const locks: RedisLock[] = [];
  afterAll(async () => {
    await Promise.all(locks.map((l) => l.close()));
    await Promise.all(backends.map((b) => b.close()));
  });

  it('a value set by one Cache is read by a second Cache with an empty L1: L2 hit, then L1 hit', async () => {
    const prefix = uniqueCachePrefix('tiers');
    const writer = createCache({ prefix, backend: backend() });
    const reader = createCache({ prefix, backend: backend() });
    const value = { answer: 'forty-two', list: Array.from({ length: 200 }, (_, i) => `item ${i}`) };
    await writer.set(['q', 1], value, { ttl: '5m' });
    const first = await reader.lookup(['q', 1]);
    expect(first).toMatchObject({ tier: 'l2', value });
    const second = await reader.lookup(['q', 1]);
    expect(second).toMatchObject({ tier: 'l1', value });
    expect(reader.stats()).toMatchObject({ l1: { hits: 1 }, l2: { hits: 1 } });
    const pttl = await (backends[0] as RedisBackend).client.pttl(`${prefix}::q:1`);
    expect(pttl).toBeGreaterThan(299_000);
    expect(pttl).toBeLessThanOrEqual(300_000);
  });

  it('stores large values compressed and reads them back equal', async () => {
    const prefix = uniqueCachePrefix('lz4');
    const b = backend();
    const cache = createCache({ prefix, backend: b });
    const text = Array.from(
      { length: 2000 },
      (_, i) => `Sentence number ${i} talks about caching ${i % 7}.`,
    ).join(' ');
    const result = await cache.set('big', { text });
    expect(result.compressed).toBe(true);
    const raw = await b.client.getBuffer(`${prefix}::big`);
    expect(raw?.byteLength).toBe(result.bytes);
    expect(result.bytes).toBeLessThan(result.serializedBytes * 0.7);
    const fresh = createCache({ prefix, backend: b });
    expect(await fresh.get('big')).toEqual({ text });
  });

  it('getOrSet({ lock }) runs one producer across caches with separate connections', async () => {
    const prefix = uniqueCachePrefix('lock');
    const caches = [0, 1, 2].map(() => {
      const b = backend();
      const lock = new RedisLock({ client: b.client, keyPrefix: `${prefix}:lock:` });
      locks.push(lock);
      return createCache({ prefix, backend: b, lock });
    });
    let calls = 0;
    const producer = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 50));
      return { answer: 42 };
    };
    const results = await Promise.all(
      caches.flatMap((c) =>
        Array.from({ length: 10 }, () => c.resolve('q', producer, { lock: { ttlMs: 2000 } })),
      ),
    );
    expect(calls).toBe(1);
    expect(results.every((r) => (r.value as { answer: number }).answer === 42)).toBe(true);
    expect(results.filter((r) => r.status === 'miss')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'coalesced')).toHaveLength(29);
  });

  it('clear() of a namespace leaves other namespaces and prefixes alone', async () => {
    const prefix = uniqueCachePrefix('clear');
    const cache = createCache({ prefix, backend: backend() });
    const other = createCache({ prefix: `${prefix}x`, backend: backend() });
    await cache.namespace('a').set('k', 1);
    await cache.namespace('b').set('k', 2);
    await other.set('k', 3);
    await cache.namespace('a').clear();
    const reader = createCache({ prefix, backend: backend(), l1: false });
    expect(await reader.namespace('a').get('k')).toBeUndefined();
    expect(await reader.namespace('b').get('k')).toBe(2);
    expect(await other.get('k')).toBe(3);
  });
});

describeOwnRedisServer('Cache when Redis stops mid-run', () => {
  let server: RedisServerHandle;
  let backend: RedisBackend;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    await backend?.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('every call resolves (L1 or miss), errors are events, and writes reach Redis again once it is back', async () => {
    backend = new RedisBackend({ url: server.url, commandTimeoutMs: 200 });
    const cache = createCache({ prefix: 'stop', backend });
    const errors: CacheEvent[] = [];
    const states: string[] = [];
    cache.on('error', (e) => errors.push(e));
    cache.on('degraded', () => states.push('degraded'));
    cache.on('recovered', () => states.push('recovered'));
    // The invalidation bus (on by default over Redis) is live: L1 entries written from now on are vouched for.
    await cache.connect();

    await cache.set('held', 'in L1 and Redis');
    expect(await backend.client.exists('stop::held')).toBe(1);

    await server.stop();

    // Reads: L1 still answers, other keys are misses; writes and deletes are dropped; nothing throws.
    expect(await cache.get('held')).toBe('in L1 and Redis');
    expect(await cache.get('never-written')).toBeUndefined();
    await expect(cache.set('during-outage', 1)).resolves.toBeDefined();
    expect(await cache.has('never-written')).toBe(false);
    expect(await cache.getOrSet('produced', () => 'fresh')).toBe('fresh');
    await expect(cache.delete('x')).resolves.toBe(false);
    await expect(cache.clear()).resolves.toBeUndefined();
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expect(errors.every((e) => e.backend === 'redis' && e.error instanceof Error)).toBe(true);
    expect(errors.some((e) => /redis/i.test(e.error?.message ?? ''))).toBe(true);
    expect(states).toEqual(['degraded']);

    await server.start();
    // The client reconnects on its own; wait (bounded) until a write lands.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && backend.status !== 'ready') await new Promise((r) => setTimeout(r, 25));
    await cache.set('after', { back: true });
    expect(await backend.client.exists('stop::after')).toBe(1);
    const reader = createCache({ prefix: 'stop', backend, l1: false });
    expect(await reader.get('after')).toEqual({ back: true });
    expect(states).toEqual(['degraded', 'recovered']);
  });

  it('a paused (hung) Redis cannot hang a caller', async () => {
    backend = new RedisBackend({ url: server.url, commandTimeoutMs: 150 });
    const cache = createCache({ prefix: 'pause', backend, l1: false });
    await cache.set('k', 1);
    await server.pause();
    try {
      const started = Date.now();
      expect(await cache.get('k')).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await server.resume();
    }
  });
});
