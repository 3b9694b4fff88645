/**
 * Safe defaults, coherence: an L1 over a shared Redis is coherent with default options (the
 * invalidation bus is set up on the backend's connection and starts on first use, no
 * `connect()`); `bus: false` opts out, and then L1 entries live at most `l1.maxStaleness`.
 * Against a real redis-server.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultBus } from '../../src/bus/default.js';
import {
  type Cache,
  createCache,
  MemoryBackend,
  RedisBackend,
  RedisInvalidationBus,
} from '../../src/index.js';
import { fakeClock } from '../helpers/clock.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';

/** Polls `read` until it returns `expected` (at most `limitMs`); resolves with the last value read. */
async function poll<T>(read: () => Promise<T>, expected: T, limitMs = 1000): Promise<T> {
  const deadline = performance.now() + limitMs;
  let last = await read();
  while (last !== expected && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2));
    last = await read();
  }
  return last;
}

/** Number of subscribers of `channel` on the server. */
async function subscribers(admin: Redis, channel: string): Promise<number> {
  const reply = (await admin.pubsub('NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}

describeRedis('defaults: L1 over a shared Redis is coherent without any setup', (url) => {
  let admin: Redis;
  const caches: Cache[] = [];
  /** A cache as a new user writes it: `createCache({ backend: new RedisBackend(url) })` plus a unique prefix. */
  const make = (prefix: string, extra: Parameters<typeof createCache>[0] = {}): Cache => {
    const cache = createCache({ prefix, backend: new RedisBackend(url), ...extra });
    caches.push(cache);
    return cache;
  };
  beforeAll(() => {
    admin = new Redis(url);
  });
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((c) => c.close()));
  });
  afterAll(() => {
    admin.disconnect();
  });

  it("two caches with default options and no connect(): B reads A's overwrite (B's L1 copy is dropped by the bus)", async () => {
    const prefix = uniqueCachePrefix('defaults');
    const a = make(prefix);
    const b = make(prefix);
    await a.set('k', 'v1');
    // B's first use starts its bus; once it is live B holds v1 in L1 (a copy promoted before
    // the bus was live is dropped when it comes up, so poll until L1 answers).
    const tier = await poll(async () => (await b.lookup('k'))?.tier, 'l1');
    expect(tier).toBe('l1');
    // Both buses subscribed on their own, without connect().
    expect(await poll(() => subscribers(admin, `${prefix}:#bus`), 2)).toBe(2);

    await a.set('k', 'v2');
    // L1 entries live up to l1.maxStaleness (5 s) without a bus: within this 1 s poll only
    // the bus message can make B read the new value.
    expect(await poll(() => b.get('k'), 'v2')).toBe('v2');
    expect((await b.lookup('k'))?.value).toBe('v2');
  });

  it('deletes and clears are announced the same way', async () => {
    const prefix = uniqueCachePrefix('defaults');
    const a = make(prefix);
    const b = make(prefix);
    await a.set('gone', 1);
    expect(await poll(async () => (await b.lookup('gone'))?.tier, 'l1')).toBe('l1');
    await a.delete('gone');
    expect(await poll(() => b.get('gone'), undefined)).toBeUndefined();

    await a.set('cleared', 2);
    expect(await poll(async () => (await b.lookup('cleared'))?.tier, 'l1')).toBe('l1');
    await a.clear();
    expect(await poll(() => b.get('cleared'), undefined)).toBeUndefined();
  });

  it('a writer without L1 still announces its writes (it publishes, it does not subscribe)', async () => {
    const prefix = uniqueCachePrefix('defaults');
    const writer = make(prefix, { l1: false });
    const reader = make(prefix);
    await writer.set('k', 'old');
    expect(await poll(async () => (await reader.lookup('k'))?.tier, 'l1')).toBe('l1');
    // Only the reader subscribes.
    expect(await poll(() => subscribers(admin, `${prefix}:#bus`), 1)).toBe(1);
    await writer.set('k', 'new');
    expect(await poll(() => reader.get('k'), 'new')).toBe('new');
  });

  it('a bus passed explicitly starts on first use too (no connect())', async () => {
    const prefix = uniqueCachePrefix('defaults');
    const backend = new RedisBackend(url);
    const channel = `${prefix}:explicit`;
    const cache = createCache({
      prefix,
      backend,
      bus: new RedisInvalidationBus({ client: backend.client, channel }),
    });
    caches.push(cache);
    expect(await subscribers(admin, channel)).toBe(0);
    await cache.get('first use');
    expect(await poll(() => subscribers(admin, channel), 1)).toBe(1);
  });

  it('close() closes the bus the cache made (its subscription ends)', async () => {
    const prefix = uniqueCachePrefix('defaults');
    const cache = make(prefix);
    await cache.connect();
    expect(await subscribers(admin, `${prefix}:#bus`)).toBe(1);
    await cache.close();
    expect(await poll(() => subscribers(admin, `${prefix}:#bus`), 0)).toBe(0);
  });

  describe('bus: false', () => {
    it('no bus is made, and L1 entries live at most l1.maxStaleness (default 5s)', async () => {
      const prefix = uniqueCachePrefix('defaults');
      const clock = fakeClock(Date.now());
      const a = make(prefix, { bus: false });
      const b = make(prefix, { bus: false, now: clock.now });
      await a.set('k', 'v1');
      expect(await b.lookup('k')).toMatchObject({ value: 'v1', tier: 'l2' });
      expect(await b.lookup('k')).toMatchObject({ value: 'v1', tier: 'l1' });
      expect(await subscribers(admin, `${prefix}:#bus`)).toBe(0);

      await a.set('k', 'v2');
      // Nobody told B: its L1 copy is served until l1.maxStaleness has passed on B's clock.
      clock.advance(4_999);
      expect(await b.lookup('k')).toMatchObject({ value: 'v1', tier: 'l1' });
      clock.advance(1);
      expect(await b.lookup('k')).toMatchObject({ value: 'v2', tier: 'l2' });
    });

    it('l1.maxStaleness sets that bound', async () => {
      const prefix = uniqueCachePrefix('defaults');
      const clock = fakeClock(Date.now());
      const a = make(prefix, { bus: false });
      const b = make(prefix, { bus: false, now: clock.now, l1: { maxStaleness: '1m' } });
      await a.set('k', 'v1');
      await b.get('k');
      await a.set('k', 'v2');
      clock.advance(59_999);
      expect(await b.lookup('k')).toMatchObject({ value: 'v1', tier: 'l1' });
      clock.advance(1);
      expect(await b.get('k')).toBe('v2');
    });
  });
});

describe('defaultBus', () => {
  it('is a RedisInvalidationBus on the connection of a Redis backend, on `<prefix>:#bus`', async () => {
    const backend = new RedisBackend({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 123 });
    const bus = defaultBus(backend, 'app');
    expect(bus).toBeInstanceOf(RedisInvalidationBus);
    const redisBus = bus as RedisInvalidationBus;
    expect(redisBus.channel).toBe('app:#bus');
    expect(redisBus.connection).toBe(backend.connection);
    await redisBus.close();
    await backend.close();
  });

  it('is undefined without a backend or for a backend without a Redis connection', () => {
    expect(defaultBus(undefined, 'app')).toBeUndefined();
    expect(defaultBus(new MemoryBackend(), 'app')).toBeUndefined();
    expect(defaultBus({ connection: {} } as unknown as MemoryBackend, 'app')).toBeUndefined();
  });
});
