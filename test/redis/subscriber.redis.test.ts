import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { AIResponseCache } from '../../src/ai-cache/ai-response-cache.js';
import { RedisBackend } from '../../src/backends/redis.js';
import { type InvalidationMessage, RedisInvalidationBus } from '../../src/bus/index.js';
import { RedisLock } from '../../src/locks/redis-lock.js';
import { describeOwnRedisServer, uniqueCachePrefix, uniqueKeyPrefix } from '../helpers/redis.js';
import { type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';

describeOwnRedisServer('RedisConnection: one shared subscriber', () => {
  let server: RedisServerHandle;
  let admin: Redis;
  const closables: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(closable: T): T => {
    closables.push(closable);
    return closable;
  };

  /** Clients connected to the server, other than `admin`. */
  async function otherClients(): Promise<string[]> {
    const id = await admin.client('ID');
    const list = String(await admin.client('LIST'));
    return list.split('\n').filter((line) => line.trim() !== '' && !line.startsWith(`id=${id} `));
  }

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, { retryStrategy: () => 20 });
    admin.on('error', () => {});
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(closables.splice(0).map((c) => c.close()));
    if (server.pid === undefined) await server.start();
    await vi.waitFor(async () => expect(await otherClients()).toEqual([]), { timeout: 2000 });
  });

  it('a lock and a bus on the backend client use one duplicate() between them, closed with the last channel', async () => {
    const backend = track(new RedisBackend({ url: server.url, keyPrefix: uniqueKeyPrefix('sub') }));
    const duplicate = vi.spyOn(backend.client, 'duplicate');
    const lock = track(new RedisLock({ client: backend.client, keyPrefix: 'sublock:' }));
    const bus = track(new RedisInvalidationBus({ client: backend.client, channel: 'sub:#bus' }));
    await backend.connect();
    await bus.start();
    expect(await lock.waitForRelease('free', 1000)).toBe('released');
    expect(duplicate).toHaveBeenCalledTimes(1);
    expect(await otherClients()).toHaveLength(2);
    const channels = (await admin.pubsub('CHANNELS')) as string[];
    expect(channels.sort()).toEqual(['sub:#bus', 'sublock:released']);
    const subscriber = backend.connection.subscriberClient;

    await lock.close();
    expect(backend.connection.subscriberClient).toBe(subscriber); // the bus still listens
    await vi.waitFor(async () => expect(await admin.pubsub('CHANNELS')).toEqual(['sub:#bus']));
    await bus.close();
    expect(backend.connection.subscriberClient).toBeUndefined();
    expect(subscriber?.status).toBe('end');
    expect(await otherClients()).toHaveLength(1);
  });

  it('re-subscribes every channel after a restart: bus messages and lock wake-ups flow again', async () => {
    const backend = track(new RedisBackend({ url: server.url, keyPrefix: uniqueKeyPrefix('resub') }));
    const lock = track(new RedisLock({ client: backend.client, keyPrefix: 'resublock:' }));
    const bus = track(new RedisInvalidationBus({ client: backend.client, channel: 'resub:#bus' }));
    const other = track(new RedisInvalidationBus({ client: new Redis(server.url), channel: 'resub:#bus' }));
    const received: InvalidationMessage[] = [];
    bus.subscribe((message) => received.push(message));
    const statuses: boolean[] = [];
    bus.onStatus((connected) => statuses.push(connected));
    await Promise.all([backend.connect(), bus.start()]);
    expect(await lock.waitForRelease('free', 1000)).toBe('released');
    // The subscriber re-subscribes by itself (with a deadline), not through ioredis, whose own
    // re-subscribe has no rejection handler (a close before its reply was an unhandled rejection).
    expect((backend.connection.subscriberClient as Redis).options.autoResubscribe).toBe(false);

    await server.stop();
    await vi.waitFor(() => expect(bus.connected).toBe(false), { timeout: 2000 });
    await server.start();
    await vi.waitFor(() => expect(bus.connected && backend.health.state === 'closed').toBe(true), {
      timeout: 5000,
    });
    expect(statuses).toEqual([true, false, true]);
    await vi.waitFor(
      async () => {
        await other.publish({ type: 'delete', keys: ['after-restart'] });
        expect(received).toContainEqual({ type: 'delete', keys: ['after-restart'] });
      },
      { timeout: 3000, interval: 100 },
    );
    const holder = track(new RedisLock({ client: new Redis(server.url), keyPrefix: 'resublock:' }));
    const handle = await holder.tryAcquire('k', 10_000);
    const woken = lock.waitForRelease('k', 5000);
    await vi.waitFor(() => expect(lock.waiting).toBe(1));
    await handle?.release();
    expect(await woken).toBe('released');
    (holder.connection.client as Redis).disconnect();
    (other.connection.client as Redis).disconnect();
  });

  it('an AIResponseCache on Redis holds exactly 2 connections with its lock and bus in use', async () => {
    const prefix = uniqueCachePrefix('two');
    const ai = track(new AIResponseCache({ redisUrl: server.url, prefix }));
    await ai.connect();
    const lock = ai.lock as RedisLock;
    expect(lock).toBeInstanceOf(RedisLock);
    const handle = await lock.tryAcquire('busy', 10_000);
    expect(await lock.waitForRelease('free', 1000)).toBe('released');
    await ai.cacheResponse({ operation: 'summarize', text: 'hello', response: { summary: 'hi' } });
    expect(await ai.getResponse({ operation: 'summarize', text: 'hello' })).toEqual({ summary: 'hi' });
    const channels = ((await admin.pubsub('CHANNELS')) as string[]).sort();
    expect(channels).toEqual([`${prefix}:#bus`, `${prefix}:lock:released`]);
    expect(await otherClients()).toHaveLength(2);
    await handle?.release();
    await ai.close();
    await vi.waitFor(async () => expect(await otherClients()).toEqual([]), { timeout: 1000 });
  });
});
