/**
 * The cache side of Redis failures, against a real redis-server started (and killed) by the
 * test: a killed server fails no call; a key of the wrong type or refused writes (maxmemory +
 * noeviction) concern those keys only, and every other key keeps hitting from Redis.
 */
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { RedisBackend } from '../../src/backends/redis.js';
import { AIResponseCache, type CacheEvent, createCache } from '../../src/index.js';
import { cacheStatus, withCache } from '../../src/integrations/openai/index.js';
import { RedisLock } from '../../src/locks/redis-lock.js';
import { describeOwnRedisServer, uniqueCachePrefix } from '../helpers/redis.js';
import { type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';

const KEYS = 200;

describeOwnRedisServer('Cache and AIResponseCache: Redis failures concern what failed only', () => {
  let server: RedisServerHandle;
  let raw: Redis;
  let killed = false;
  const closables: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(c: T): T => {
    closables.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startRedisServer();
    raw = new Redis(server.url, { maxRetriesPerRequest: 1 });
    raw.on('error', () => {});
  });
  afterEach(async () => {
    await Promise.all(closables.splice(0).map((c) => c.close()));
    if (killed) {
      // Reaps the killed process, then a fresh server on the same port (no maxmemory left).
      await server.stop();
      await server.start();
      killed = false;
    } else {
      await raw.config('SET', 'maxmemory', '0');
    }
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.stop();
  });

  function watch(target: { on(event: 'error' | 'degraded', fn: (e: CacheEvent) => void): unknown }) {
    const degraded: CacheEvent[] = [];
    const errors: CacheEvent[] = [];
    target.on('degraded', (e) => degraded.push(e));
    target.on('error', (e) => errors.push(e));
    return { degraded, errors };
  }

  describe('one WRONGTYPE key', () => {
    it('Cache: every other key still hits from Redis, no degraded, the bad key is repaired', async () => {
      const prefix = uniqueCachePrefix('wrongtype');
      const cache = track(createCache({ prefix, backend: new RedisBackend({ url: server.url }), l1: false }));
      const { degraded, errors } = watch(cache);
      for (let i = 0; i < KEYS; i++) await cache.set(`k${i}`, { i });
      const bad = await cache.fullKey('k0');
      await raw.del(bad);
      await raw.rpush(bad, 'a', 'list', 'under', 'a', 'cache', 'key');
      let hits = 0;
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < KEYS; i++) if ((await cache.get<{ i: number }>(`k${i}`))?.i === i) hits++;
      }
      expect(cache.stats().l2.hits).toBe(hits);
      expect(hits / (3 * (KEYS - 1))).toBeGreaterThanOrEqual(0.95);
      expect(degraded).toHaveLength(0);
      expect(cache.stats().degraded).toBe(false);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]?.error?.message).toMatch(/WRONGTYPE/);
      // The unreadable key was deleted (or the next write overwrites it): getOrSet repairs it.
      expect(await cache.getOrSet('k0', () => ({ i: 0 }))).toEqual({ i: 0 });
      expect(await raw.type(bad)).toBe('string');
      expect(await cache.get('k0')).toEqual({ i: 0 });
    });

    it('AIResponseCache: the hit ratio stays at Redis level, no fallback to memory', async () => {
      const prefix = uniqueCachePrefix('wrongtype-ai');
      const ai = track(new AIResponseCache({ redisUrl: server.url, prefix, l1: false }));
      const { degraded } = watch(ai);
      await ai.connect();
      const request = (i: number) => ({ text: `document ${i}`, operation: 'summarize' });
      for (let i = 0; i < KEYS; i++) await ai.cacheResponse({ ...request(i), response: `summary ${i}` });
      const bad = await ai.keyFor(request(3));
      await raw.del(bad);
      await raw.rpush(bad, 'x');
      let hits = 0;
      for (let i = 0; i < KEYS; i++) if ((await ai.getResponse(request(i))) === `summary ${i}`) hits++;
      expect(hits).toBe(KEYS - 1);
      expect(ai.stats()).toMatchObject({ degraded: false, l2Hits: KEYS - 1 });
      expect(degraded).toHaveLength(0);
    });
  });

  describe('maxmemory + noeviction: writes refused with OOM', () => {
    it('Cache: refused writes are dropped, every stored key still hits from Redis, no degraded', async () => {
      const prefix = uniqueCachePrefix('oom');
      const cache = track(createCache({ prefix, backend: new RedisBackend({ url: server.url }), l1: false }));
      const { degraded, errors } = watch(cache);
      for (let i = 0; i < KEYS; i++) await cache.set(`k${i}`, { i });
      await raw.config('SET', 'maxmemory-policy', 'noeviction');
      await raw.config('SET', 'maxmemory', '1');
      let hits = 0;
      for (let i = 0; i < KEYS; i++) {
        await cache.set(`new${i}`, { i }); // refused
        if ((await cache.get<{ i: number }>(`k${i}`))?.i === i) hits++;
      }
      expect(hits / KEYS).toBeGreaterThanOrEqual(0.95);
      expect(cache.stats().l2.hits).toBe(hits);
      expect(degraded).toHaveLength(0);
      expect(cache.stats().degraded).toBe(false);
      expect(errors[0]?.error?.message).toMatch(/OOM/);
      expect(cache.stats().errors).toBeGreaterThanOrEqual(KEYS);
      await raw.config('SET', 'maxmemory', '0');
      await cache.set('after', 1);
      expect(await cache.get('after')).toBe(1);
    });

    it('AIResponseCache: hit ratio stays above 95% while writes are refused', async () => {
      const prefix = uniqueCachePrefix('oom-ai');
      const ai = track(new AIResponseCache({ redisUrl: server.url, prefix, l1: false }));
      const { degraded } = watch(ai);
      await ai.connect();
      const request = (i: number) => ({ text: `document ${i}`, operation: 'qa' });
      for (let i = 0; i < KEYS; i++) await ai.cacheResponse({ ...request(i), response: i });
      await raw.config('SET', 'maxmemory-policy', 'noeviction');
      await raw.config('SET', 'maxmemory', '1');
      for (let i = 0; i < KEYS; i++) {
        await ai.cacheResponse({ text: `new ${i}`, operation: 'qa', response: i });
        await ai.getResponse(request(i));
      }
      const stats = ai.stats();
      expect(stats.operations.qa?.hits).toBeGreaterThanOrEqual(0.95 * KEYS);
      expect(stats.l2Hits).toBeGreaterThanOrEqual(0.95 * KEYS);
      expect(stats.degraded).toBe(false);
      expect(degraded).toHaveLength(0);
    });
  });

  describe('redis-server hung (SIGSTOP)', () => {
    const TIMEOUT = 300;
    let upstream: MockOpenAI | undefined;
    afterEach(async () => {
      if (paused) server.resume();
      paused = false;
      await upstream?.close();
      upstream = undefined;
    });
    let paused = false;

    it('getOrSet with the lock: lookup + lock + store stay within one budget, not one timeout each', async () => {
      const prefix = uniqueCachePrefix('hung');
      const backend = new RedisBackend({ url: server.url, commandTimeoutMs: TIMEOUT });
      const lock = new RedisLock({ client: backend.client, keyPrefix: `${prefix}:lock:` });
      const cache = track(createCache({ prefix, backend, lock, l1: false, budget: TIMEOUT }));
      await cache.connect();
      await cache.set('warm', 1);
      server.pause();
      paused = true;
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => cache.getOrSet(`k${i}`, async () => i, { lock: true })),
      );
      const elapsed = performance.now() - started;
      expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
      // One budget (plus scheduling slack), where three bounded steps would take 3x the timeout.
      expect(elapsed).toBeLessThan(2.5 * TIMEOUT);
    });

    it('withCache(openai): a miss costs the upstream plus at most about one budget', async () => {
      upstream = await startMockOpenAI({ latencyMs: { firstTokenMs: 5, perChunkMs: 0, responseMs: 10 } });
      const client = new OpenAI({ baseURL: upstream.url, apiKey: 'sk-test-secret', maxRetries: 0 });
      const ai = track(
        new AIResponseCache({
          redisUrl: server.url,
          prefix: uniqueCachePrefix('hung-ai'),
          redis: { commandTimeoutMs: TIMEOUT },
          budget: TIMEOUT,
        }),
      );
      await ai.connect();
      const openai = withCache(client, { cache: ai });
      server.pause();
      paused = true;
      const started = performance.now();
      const answer = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'while Redis hangs' }],
      });
      expect(cacheStatus(answer)).toBe('miss');
      expect(performance.now() - started).toBeLessThan(2.5 * TIMEOUT);
    });
  });

  describe('redis-server killed under load', () => {
    it('Cache: 0 failed calls among 100 concurrent callers, before, during and after the kill', async () => {
      const prefix = uniqueCachePrefix('kill');
      const cache = track(
        createCache({
          prefix,
          backend: new RedisBackend({ url: server.url, commandTimeoutMs: 200 }),
          budget: 200,
        }),
      );
      for (let i = 0; i < 50; i++) await cache.set(`k${i}`, i);
      let failed = 0;
      let calls = 0;
      let stop = false;
      const worker = async (w: number) => {
        for (let n = 0; !stop; n++) {
          const key = `k${(w + n) % 80}`;
          calls++;
          try {
            if (n % 3 === 0) await cache.set(key, n);
            else if (n % 3 === 1) await cache.get(key);
            else await cache.getOrSet(key, async () => n);
          } catch {
            failed++;
          }
          await new Promise((r) => setImmediate(r));
        }
      };
      const workers = Array.from({ length: 100 }, (_, w) => worker(w));
      await new Promise((r) => setTimeout(r, 150));
      process.kill(server.pid as number, 'SIGKILL');
      killed = true;
      await new Promise((r) => setTimeout(r, 400));
      stop = true;
      await Promise.all(workers);
      expect(calls).toBeGreaterThan(200);
      expect(failed).toBe(0);
      expect(cache.stats().degraded).toBe(true);
    });

    it('AIResponseCache: 0 failed calls, the memory fallback serves, close() does not throw', async () => {
      const prefix = uniqueCachePrefix('kill-ai');
      const ai = new AIResponseCache({
        redisUrl: server.url,
        prefix,
        redis: { commandTimeoutMs: 200, connectTimeoutMs: 300 },
      });
      await ai.connect();
      let failed = 0;
      let stop = false;
      const worker = async (w: number) => {
        for (let n = 0; !stop; n++) {
          const request = { text: `doc ${(w + n) % 40}`, operation: 'summarize' };
          try {
            if (n % 2 === 0) await ai.cacheResponse({ ...request, response: n });
            else await ai.getResponse(request);
          } catch {
            failed++;
          }
          await new Promise((r) => setImmediate(r));
        }
      };
      const workers = Array.from({ length: 100 }, (_, w) => worker(w));
      await new Promise((r) => setTimeout(r, 150));
      process.kill(server.pid as number, 'SIGKILL');
      killed = true;
      await new Promise((r) => setTimeout(r, 400));
      stop = true;
      await Promise.all(workers);
      expect(failed).toBe(0);
      expect(ai.stats().degraded).toBe(true);
      await expect(ai.close()).resolves.toBeUndefined();
    });
  });
});
