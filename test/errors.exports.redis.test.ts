/**
 * `LockTimeoutError` as `getOrSet({ lock: { onTimeout: 'throw' } })` raises it, over the shared
 * real redis-server: another holder keeps the lock past `waitMs`.
 */
import { afterAll, expect, it } from 'vitest';
import { createCache, httpStatusFor, LockTimeoutError, RedisBackend, RedisLock } from '../src/index.js';
import { describeRedis, uniqueCachePrefix } from './helpers/redis.js';

describeRedis('LockTimeoutError from a held Redis lock', (url) => {
  const closables: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const c of closables.splice(0).reverse()) await c.close();
  });

  async function setup() {
    const prefix = uniqueCachePrefix('locktimeout');
    const backend = new RedisBackend({ url });
    const lock = new RedisLock({ client: backend.client, keyPrefix: `${prefix}:lock:` });
    const cache = createCache({ prefix, backend, lock });
    closables.push(backend, lock, cache);
    return { cache, lock };
  }

  it("a waiter with onTimeout: 'throw' rejects with LockTimeoutError (503) and never runs its producer", async () => {
    const { cache, lock } = await setup();
    const held = await lock.tryAcquire(await cache.fullKey('q'), 10_000);
    expect(held).toBeDefined();
    let calls = 0;
    const producer = async () => {
      calls++;
      return 'value';
    };
    const error = await cache.getOrSet('q', producer, { lock: { waitMs: 50, onTimeout: 'throw' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).code).toBe('E_LOCK_TIMEOUT');
    expect((error as LockTimeoutError).context).toMatchObject({ waitMs: 50 });
    expect(String((error as LockTimeoutError).context.key)).toContain('q');
    expect(httpStatusFor(error)).toBe(503);
    expect(calls).toBe(0);
    expect(await held?.release()).toBe(true);
  });

  it("with the default onTimeout ('proceed') the waiter runs its producer instead", async () => {
    const { cache, lock } = await setup();
    const held = await lock.tryAcquire(await cache.fullKey('q'), 10_000);
    const value = await cache.getOrSet('q', async () => 'produced anyway', { lock: { waitMs: 50 } });
    expect(value).toBe('produced anyway');
    await held?.release();
  });
});
