/**
 * The Redis layer through Redis Sentinel, against a real master, replica and sentinel started
 * by the test (see `test/helpers/redis-sentinel.ts`): conformance on the master reached through
 * the sentinel, then `SENTINEL FAILOVER` under load.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { createCache } from '../../src/cache/cache.js';
import type { CacheEvent } from '../../src/index.js';
import { backendConformance } from '../../src/testing/index.js';
import { describeRedisKind, uniqueCachePrefix, uniqueKeyPrefix } from '../helpers/redis.js';
import { type RedisSentinelHandle, startRedisSentinel } from '../helpers/redis-sentinel.js';
import { sleep } from '../helpers/redis-server.js';

describeRedisKind('sentinel', 'Redis Sentinel (master, replica, sentinel started by the test)', () => {
  let setup: RedisSentinelHandle;

  beforeAll(async () => {
    setup = await startRedisSentinel();
  }, 60_000);

  afterAll(async () => {
    await setup?.stop();
  });

  backendConformance(
    'RedisBackend on the master through the sentinel',
    () => new RedisBackend({ redis: { ...setup.redisOptions }, keyPrefix: uniqueKeyPrefix('sentinel-conf') }),
    { manyKeys: 600 },
  );

  it('the backend really talks to the master the sentinel names', async () => {
    const prefix = uniqueKeyPrefix('sentinel-where');
    const backend = new RedisBackend({ redis: { ...setup.redisOptions }, keyPrefix: prefix });
    const master = new Redis({ host: '127.0.0.1', port: await setup.masterPort() });
    master.on('error', () => {});
    try {
      await backend.set('k', new TextEncoder().encode('v'), 60_000);
      expect(await master.get(`${prefix}k`)).toBe('v');
      expect(await setup.masterPort()).toBe(setup.master.port);
    } finally {
      await backend.close();
      master.disconnect();
    }
  });

  it('SENTINEL FAILOVER under 50 concurrent callers: 0 failed calls, writes resume on the new master', async () => {
    const prefix = uniqueCachePrefix('sentinel-failover');
    const backend = new RedisBackend({
      redis: { ...setup.redisOptions },
      commandTimeoutMs: 300,
      connectTimeoutMs: 3000,
    });
    const cache = createCache({ prefix, backend, l1: false, retryPrimaryAfterMs: 200 });
    const errorEvents: CacheEvent[] = [];
    cache.on('error', (event) => errorEvents.push(event));
    await cache.connect();
    const oldMaster = await setup.masterPort();

    let stop = false;
    let calls = 0;
    let failed = 0;
    let hitsAfterFailover = 0;
    let failedOver = false;
    const failures: unknown[] = [];
    const caller = async (id: number) => {
      let i = 0;
      while (!stop) {
        const key = `k${id}:${i % 20}`;
        try {
          calls++;
          await cache.set(key, { id, i });
          calls++;
          const value = await cache.get<{ id: number; i: number }>(key);
          if (failedOver && value !== undefined) hitsAfterFailover++;
          calls++;
          await cache.getOrSet(`shared:${i % 10}`, () => ({ made: id }));
        } catch (error) {
          failed++;
          if (failures.length < 5) failures.push(error);
        }
        i++;
        // Keep ~50 callers from starving the 2-core machine (and the sentinel's own timers).
        if (i % 5 === 0) await sleep(1);
      }
    };
    const load = Array.from({ length: 50 }, (_, id) => caller(id));
    try {
      await sleep(300); // load is running against the first master
      const newMaster = await setup.failover();
      failedOver = true;
      expect(newMaster).not.toBe(oldMaster);
      expect(newMaster).toBe(setup.replica.port);
      // Keep the load on until the cache reads its writes back from the new master.
      const deadline = Date.now() + 15_000;
      while (hitsAfterFailover < 100 && Date.now() < deadline) await sleep(50);
      stop = true;
      await Promise.all(load);

      expect(failures).toEqual([]);
      expect(failed).toBe(0);
      expect(calls).toBeGreaterThan(1000);
      expect(hitsAfterFailover).toBeGreaterThanOrEqual(100);

      // A value written now is in the new master (read directly, not through the sentinel).
      const direct = new Redis({ host: '127.0.0.1', port: newMaster });
      direct.on('error', () => {});
      try {
        const role = await direct.info('replication');
        expect(role).toMatch(/role:master/);
        let stored: string | null = null;
        const until = Date.now() + 10_000;
        while (stored === null && Date.now() < until) {
          const result = await cache.set('after-failover', 'written on the new master');
          stored = await direct.get(result.key);
          if (stored === null) await sleep(100);
        }
        expect(stored).not.toBeNull();
        expect(await cache.get('after-failover')).toBe('written on the new master');
        // The backend follows the sentinel's +switch-master: its connection is on the new master.
        expect((backend.client as Redis).stream?.remotePort).toBe(newMaster);
      } finally {
        direct.disconnect();
      }
    } finally {
      stop = true;
      await Promise.all(load);
      await cache.close();
      await backend.close();
    }
  }, 60_000);
});
