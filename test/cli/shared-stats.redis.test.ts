/**
 * `shareStats` / `readSharedStats` on a real Redis: counts stay in memory until a flush (never a
 * Redis command on the hot path), flushes add up across instances, labels are bounded, and a
 * failing Redis costs the application nothing (the counts are kept and `onError` is told).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  AIResponseCache,
  createCache,
  MemoryBackend,
  readSharedStats,
  sharedStatsKey,
  shareStats,
} from '../../src/index.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';
import { findFreePort } from '../helpers/redis-server.js';

describeRedis('shareStats', (url) => {
  let redis: Redis;
  const prefixes: string[] = [];
  beforeAll(() => {
    redis = new Redis(url);
  });
  afterAll(async () => {
    if (prefixes.length > 0) await redis.del(...prefixes.map(sharedStatsKey));
    redis.disconnect();
  });

  it('writes nothing until a flush, then adds the counts of every instance', async () => {
    const prefix = uniqueCachePrefix('shared');
    prefixes.push(prefix);
    const make = () => new AIResponseCache({ backend: new MemoryBackend(), prefix });
    const [a, b] = [make(), make()];
    await Promise.all([a.connect(), b.connect()]);
    const sharedA = shareStats(a, { redis, intervalMs: 3_600_000 });
    const sharedB = shareStats(b, { redis, intervalMs: 3_600_000 });
    for (const ai of [a, b]) {
      await ai.cacheResponse({
        text: 't',
        operation: 'qa',
        response: 1,
        meta: { usage: { promptTokens: 3 } },
      });
      await ai.getResponse({ text: 't', operation: 'qa' });
      await ai.getResponse({ text: 'none', operation: 'qa' });
    }
    expect(await redis.exists(sharedStatsKey(prefix))).toBe(0); // nothing on the hot path
    await sharedA.flush();
    await sharedB.stop();
    let snapshot = await readSharedStats(redis, sharedStatsKey(prefix));
    expect(snapshot.rows).toEqual([
      { operation: 'qa', namespace: 'default', hits: 2, misses: 2, sets: 2, hitRatio: 0.5 },
    ]);
    expect(snapshot.savings.upstreamCallsAvoided).toBe(2);
    expect(snapshot.savings.tokens.prompt).toBe(6);
    // a second flush adds only what happened since
    await a.getResponse({ text: 't', operation: 'qa' });
    await sharedA.stop();
    await sharedA.stop();
    snapshot = await readSharedStats(redis, sharedStatsKey(prefix));
    expect(snapshot.totals).toMatchObject({ hits: 3, misses: 2, sets: 2 });
    await Promise.all([a.close(), b.close()]);
  });

  it('counts generic entries per namespace and folds labels past maxLabelValues', async () => {
    const prefix = uniqueCachePrefix('shared');
    prefixes.push(prefix);
    const cache = createCache({ prefix, backend: new MemoryBackend() });
    const shared = shareStats(cache, { redis, prefix, maxLabelValues: 2, intervalMs: 3_600_000 });
    for (const tenant of ['t1', 't2', 't3', 't4']) await cache.namespace(tenant).set('k', 1);
    await shared.stop();
    const { rows } = await readSharedStats(redis, sharedStatsKey(prefix));
    expect(rows.map((r) => [r.operation, r.namespace, r.sets])).toEqual([
      ['-', 'other', 2],
      ['-', 't1', 1],
      ['-', 't2', 1],
    ]);
    await cache.close();
  });

  it('a Redis that cannot be reached costs the application nothing', async () => {
    const port = await findFreePort();
    const errors: Error[] = [];
    const cache = createCache({ prefix: uniqueCachePrefix('shared'), backend: new MemoryBackend() });
    const shared = shareStats(cache, {
      redis: `redis://127.0.0.1:${port}`,
      timeoutMs: 500,
      intervalMs: 3_600_000,
      onError: (e) => errors.push(e),
    });
    await cache.set('a', 1);
    expect(await cache.get('a')).toBe(1);
    await expect(shared.flush()).resolves.toBeUndefined();
    expect(errors.length).toBeGreaterThanOrEqual(1);
    await expect(shared.stop()).resolves.toBeUndefined();
    expect(await cache.get('a')).toBe(1);
    await cache.close();
  });
});
