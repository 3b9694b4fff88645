import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InfrastructureError, ValidationError } from '../../src/errors.js';
import {
  type LockHandle,
  RedisLock,
  type RedisLockOptions,
  type WaitOutcome,
} from '../../src/locks/index.js';
import { describeOwnRedisServer, describeRedis, redisResources, uniqueKeyPrefix } from '../helpers/redis.js';
import { type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with the outcome and the milliseconds between `from` and its settlement. */
async function timed<T>(promise: Promise<T>, from: () => number): Promise<{ value: T; ms: number }> {
  const value = await promise;
  return { value, ms: performance.now() - from() };
}

/** Names of the commands a client sends from now on. */
function recordCommands(client: Redis): { names: () => string[]; restore: () => void } {
  const spy = vi.spyOn(client, 'sendCommand');
  return {
    names: () => spy.mock.calls.map(([command]) => command.name),
    restore: () => spy.mockRestore(),
  };
}

/** Clients and locks made by a test, closed after it. */
function resources(url: () => string, clientOptions: RedisOptions = {}) {
  const shared = redisResources(url, clientOptions);
  return { ...shared, lock: (options: RedisLockOptions) => shared.track(new RedisLock(options)) };
}

describe('RedisLock validation', () => {
  const client = new Redis({ lazyConnect: true });
  afterAll(() => client.disconnect());

  it('rejects invalid options, listing every problem', () => {
    const make = () =>
      new RedisLock({
        client: {} as Redis,
        keyPrefix: 1 as unknown as string,
        channel: '',
        commandTimeoutMs: 0,
      });
    expect(make).toThrow(ValidationError);
    try {
      make();
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual([
        'channel',
        'client',
        'commandTimeoutMs',
        'keyPrefix',
      ]);
    }
    expect(() => new RedisLock({ client, subscriber: client })).toThrow(/different connection/);
  });

  it('rejects invalid arguments', async () => {
    const lock = new RedisLock({ client });
    await expect(lock.tryAcquire('', 1000)).rejects.toBeInstanceOf(ValidationError);
    await expect(lock.tryAcquire('k', 0)).rejects.toBeInstanceOf(ValidationError);
    await expect(lock.tryAcquire('k', Number.NaN)).rejects.toBeInstanceOf(ValidationError);
    await expect(lock.waitForRelease('k', -1)).rejects.toBeInstanceOf(ValidationError);
    await expect(lock.waitForRelease('k', Number.POSITIVE_INFINITY)).rejects.toBeInstanceOf(ValidationError);
    expect(() => lock.handleFor('k', '')).toThrow(ValidationError);
    await expect(lock.handleFor('k', 't').extend(-5)).rejects.toBeInstanceOf(ValidationError);
    expect(lock.channel).toBe('lock:released');
    expect(lock.keyPrefix).toBe('lock:');
    await lock.close();
  });
});

describeRedis('RedisLock against the shared redis-server', (url) => {
  const res = resources(() => url);
  let raw: Redis;
  let prefix: string;

  beforeAll(() => {
    raw = new Redis(url);
  });
  afterAll(async () => {
    await raw.quit();
  });
  beforeEach(() => {
    prefix = uniqueKeyPrefix('lock');
  });
  afterEach(async () => {
    await res.dispose();
  });

  /** A lock with its own command connection. */
  const lockOnNewClient = (extra: Partial<RedisLockOptions> = {}) =>
    res.lock({ client: res.client(), keyPrefix: prefix, ...extra });

  it('admits exactly one of 20 concurrent acquirers across 3 clients', async () => {
    const locks = [lockOnNewClient(), lockOnNewClient(), lockOnNewClient()];
    const attempts = Array.from({ length: 20 }, (_, i) => locks[i % 3]?.tryAcquire('job', 5000));
    const handles = (await Promise.all(attempts)).filter((h): h is LockHandle => h !== undefined);
    expect(handles).toHaveLength(1);
    const [handle] = handles;
    expect(handle?.key).toBe('job');
    expect(await raw.get(`${prefix}job`)).toBe(handle?.token);
    const pttl = await raw.pttl(`${prefix}job`);
    expect(pttl).toBeGreaterThan(4000);
    expect(pttl).toBeLessThanOrEqual(5000);
    // Taken: nobody else gets it, the holder included.
    expect(await locks[1]?.tryAcquire('job', 5000)).toBeUndefined();
    expect(await handle?.release()).toBe(true);
    expect(await raw.exists(`${prefix}job`)).toBe(0);
    expect(await locks[2]?.tryAcquire('job', 5000)).toBeDefined();
  });

  it('releases only with the holder token; release is idempotent', async () => {
    const a = lockOnNewClient();
    const b = lockOnNewClient();
    const handle = await a.tryAcquire('k', 5000);
    expect(handle).toBeDefined();
    const forged = b.handleFor('k', 'not-the-token');
    expect(await forged.release()).toBe(false);
    expect(await forged.extend(60_000)).toBe(false);
    expect(await raw.get(`${prefix}k`)).toBe(handle?.token);
    expect(await raw.pttl(`${prefix}k`)).toBeLessThanOrEqual(5000);
    // The real token works from any instance.
    expect(await b.handleFor('k', handle?.token ?? '').extend(6000)).toBe(true);
    expect(await handle?.release()).toBe(true);
    expect(await handle?.release()).toBe(false);
    expect(await handle?.extend(1000)).toBe(false);
    expect(await raw.exists(`${prefix}k`)).toBe(0);
  });

  it("a late release after expiry does not delete the next holder's lock", async () => {
    const a = lockOnNewClient();
    const b = lockOnNewClient();
    const first = await a.tryAcquire('k', 100);
    expect(first).toBeDefined();
    await sleep(150);
    const second = await b.tryAcquire('k', 5000);
    expect(second).toBeDefined();
    expect(await first?.release()).toBe(false);
    expect(await first?.extend(10_000)).toBe(false);
    expect(await raw.get(`${prefix}k`)).toBe(second?.token);
    expect(await raw.pttl(`${prefix}k`)).toBeLessThanOrEqual(5000);
  });

  it('extend() prolongs the lock only for its holder', async () => {
    const a = lockOnNewClient();
    const handle = await a.tryAcquire('k', 200);
    expect(await handle?.extend(5000)).toBe(true);
    expect(await raw.pttl(`${prefix}k`)).toBeGreaterThan(4000);
    await sleep(250);
    expect(await raw.get(`${prefix}k`)).toBe(handle?.token);
    expect(await lockOnNewClient().handleFor('k', 'forged').extend(60_000)).toBe(false);
    expect(await raw.pttl(`${prefix}k`)).toBeLessThanOrEqual(5000);
  });

  it('a release wakes waiters of other clients within 100 ms', async () => {
    const holder = lockOnNewClient();
    const waiterB = lockOnNewClient();
    const waiterC = lockOnNewClient();
    const handle = await holder.tryAcquire('k', 10_000);
    let releasedAt = 0;
    const b = timed(waiterB.waitForRelease('k', 5000), () => releasedAt);
    const c = timed(waiterC.waitForRelease('k', 5000), () => releasedAt);
    const cTwice = timed(waiterC.waitForRelease('k', 5000), () => releasedAt);
    await sleep(100);
    expect(waiterB.waiting).toBe(1);
    expect(waiterC.waiting).toBe(2);
    releasedAt = performance.now();
    expect(await handle?.release()).toBe(true);
    for (const result of await Promise.all([b, c, cTwice])) {
      expect(result.value).toBe<WaitOutcome>('released');
      expect(result.ms).toBeLessThan(100);
    }
    expect(waiterB.waiting).toBe(0);
    expect(waiterC.waiting).toBe(0);
  });

  it('one subscription per instance; a release wakes only the waiters of its key', async () => {
    const holder = lockOnNewClient();
    const client = res.client();
    const subscriber = res.client();
    await Promise.all([client.ping(), subscriber.ping()]);
    const subscriberCommands = recordCommands(subscriber);
    const waiter = res.lock({ client, subscriber, keyPrefix: prefix });
    const handleA = await holder.tryAcquire('a', 10_000);
    const handleB = await holder.tryAcquire('b', 10_000);
    const onA = [1, 2, 3].map(() => waiter.waitForRelease('a', 5000));
    let bSettled = false;
    const onB = waiter.waitForRelease('b', 5000).then((outcome) => {
      bSettled = true;
      return outcome;
    });
    await sleep(50);
    await handleA?.release();
    expect(await Promise.all(onA)).toEqual(['released', 'released', 'released']);
    await sleep(20);
    expect(bSettled).toBe(false);
    expect(waiter.waiting).toBe(1);
    await handleB?.release();
    expect(await onB).toBe('released');
    expect(subscriberCommands.names().filter((name) => name === 'subscribe')).toHaveLength(1);
    subscriberCommands.restore();
  });

  it('resolves "released" at once when there is no lock, "timeout" for timeoutMs 0 on a held lock', async () => {
    const lock = lockOnNewClient();
    expect(await lock.waitForRelease('free', 5000)).toBe('released');
    await lockOnNewClient().tryAcquire('held', 5000);
    const started = performance.now();
    expect(await lock.waitForRelease('held', 0)).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('resolves "expired" shortly after the TTL when the holder dies', async () => {
    const holder = lockOnNewClient();
    const waiter = lockOnNewClient();
    const started = performance.now();
    expect(await holder.tryAcquire('k', 150)).toBeDefined();
    const { value, ms } = await timed(waiter.waitForRelease('k', 3000), () => started);
    expect(value).toBe<WaitOutcome>('expired');
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(ms).toBeLessThan(400);
  });

  it('resolves "timeout" after timeoutMs while the holder keeps extending', async () => {
    const holder = lockOnNewClient();
    const waiter = lockOnNewClient();
    const handle = await holder.tryAcquire('k', 200);
    const keepAlive = setInterval(() => void handle?.extend(200), 50);
    try {
      const started = performance.now();
      const { value, ms } = await timed(waiter.waitForRelease('k', 400), () => started);
      expect(value).toBe<WaitOutcome>('timeout');
      expect(ms).toBeGreaterThanOrEqual(395);
      expect(ms).toBeLessThan(700);
    } finally {
      clearInterval(keepAlive);
    }
    expect(await handle?.release()).toBe(true);
  });

  it('does not poll: a 600 ms wait on a 1000 ms lock costs a handful of commands', async () => {
    const holder = lockOnNewClient();
    const client = res.client();
    const subscriber = res.client();
    await Promise.all([client.ping(), subscriber.ping()]);
    const waiter = res.lock({ client, subscriber, keyPrefix: prefix });
    await holder.tryAcquire('k', 1000);
    const commands = recordCommands(client);
    const subscriberCommands = recordCommands(subscriber);
    expect(await waiter.waitForRelease('k', 600)).toBe('timeout');
    // One PTTL when the wait starts, one at the timeout.
    expect(commands.names()).toEqual(['pttl', 'pttl']);
    expect(subscriberCommands.names()).toEqual(['subscribe']);
    commands.restore();
    subscriberCommands.restore();
  });

  it('an AbortSignal cancels a wait and removes the waiter', async () => {
    const holder = lockOnNewClient();
    const waiter = lockOnNewClient();
    await holder.tryAcquire('k', 10_000);
    const reason = new Error('caller gave up');
    const controller = new AbortController();
    const pending = waiter.waitForRelease('k', 5000, controller.signal);
    await sleep(50);
    expect(waiter.waiting).toBe(1);
    const started = performance.now();
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(50);
    expect(waiter.waiting).toBe(0);
    await expect(waiter.waitForRelease('k', 5000, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(waiter.waiting).toBe(0);
  });

  it('close() ends pending waits, closes the subscriber it created, and is idempotent', async () => {
    const holder = lockOnNewClient();
    const client = res.client();
    const duplicate = vi.spyOn(client, 'duplicate');
    const lock = new RedisLock({ client, keyPrefix: prefix });
    await holder.tryAcquire('k', 10_000);
    const pending = lock.waitForRelease('k', 5000);
    await sleep(50);
    expect(duplicate).toHaveBeenCalledTimes(1);
    const subscriber = duplicate.mock.results[0]?.value as Redis;
    expect(subscriber.status).toBe('ready');
    const closing = lock.close();
    expect(lock.close()).toBe(closing);
    await closing;
    expect(await pending).toBe('expired');
    expect(subscriber.status).toBe('end');
    expect(client.status).toBe('ready');
    await lock.close();
    await expect(lock.tryAcquire('k2', 1000)).rejects.toBeInstanceOf(InfrastructureError);
    expect(await lock.waitForRelease('k', 1000)).toBe('expired');
    expect(duplicate).toHaveBeenCalledTimes(1);
  });

  it('close() leaves a subscriber passed in open, and never creates one when no wait happened', async () => {
    const client = res.client();
    const duplicate = vi.spyOn(client, 'duplicate');
    await res.lock({ client, keyPrefix: prefix }).close();
    expect(duplicate).not.toHaveBeenCalled();

    const subscriber = res.client();
    const lock = new RedisLock({ client, subscriber, keyPrefix: prefix });
    expect(await lock.waitForRelease('free', 1000)).toBe('released');
    await lock.close();
    expect(subscriber.status).toBe('ready');
    // Unsubscribed: the connection is out of subscriber mode and runs ordinary commands again.
    expect(await subscriber.exists(`${prefix}nothing`)).toBe(0);
    expect(duplicate).not.toHaveBeenCalled();
  });

  it('uses a custom channel and works with a client using ioredis keyPrefix', async () => {
    const options: RedisOptions = { keyPrefix: `${prefix}io:` };
    const makeClient = () => {
      const client = new Redis(url, options);
      client.on('error', () => {});
      return client;
    };
    const [c1, c2] = [makeClient(), makeClient()];
    const channel = `${prefix}chan`;
    const holder = new RedisLock({ client: c1, channel });
    const waiter = new RedisLock({ client: c2, channel });
    try {
      const handle = await holder.tryAcquire('k', 10_000);
      expect(await raw.get(`${prefix}io:lock:k`)).toBe(handle?.token);
      const pending = waiter.waitForRelease('k', 5000);
      await sleep(50);
      const releasedAt = performance.now();
      expect(await handle?.release()).toBe(true);
      const { value, ms } = await timed(pending, () => releasedAt);
      expect(value).toBe('released');
      expect(ms).toBeLessThan(100);
      expect(await raw.exists(`${prefix}io:lock:k`)).toBe(0);
    } finally {
      await Promise.all([holder.close(), waiter.close()]);
      c1.disconnect();
      c2.disconnect();
    }
  });

  it('reloads the scripts after SCRIPT FLUSH', async () => {
    const a = lockOnNewClient();
    const first = await a.tryAcquire('k', 5000);
    expect(await first?.extend(5000)).toBe(true);
    await raw.script('FLUSH');
    expect(await first?.extend(5000)).toBe(true);
    expect(await first?.release()).toBe(true);
  });
});

describeOwnRedisServer('RedisLock when the server fails', () => {
  let server: RedisServerHandle;
  const res = resources(() => server.url, { retryStrategy: () => 50 });
  const errors: Error[] = [];
  const onError = (error: Error) => errors.push(error);

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await res.dispose();
    errors.length = 0;
    if (server.pid === undefined) await server.start();
  });

  it('rejects with InfrastructureError within commandTimeoutMs and never hangs a wait', async () => {
    const prefix = uniqueKeyPrefix('lockfail');
    const holder = res.lock({ client: res.client(), keyPrefix: prefix, commandTimeoutMs: 300, onError });
    const subscribed = res.lock({ client: res.client(), keyPrefix: prefix, commandTimeoutMs: 300, onError });
    const fresh = res.lock({ client: res.client(), keyPrefix: prefix, commandTimeoutMs: 300, onError });
    const handle = await holder.tryAcquire('k', 10_000);
    expect(handle).toBeDefined();
    expect(await subscribed.waitForRelease('free', 1000)).toBe('released');

    await server.stop();

    let started = performance.now();
    const failure = await holder.tryAcquire('k2', 1000).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InfrastructureError);
    expect((failure as InfrastructureError).message).toContain(`${prefix}k2`);
    expect(performance.now() - started).toBeLessThan(600);
    await expect(handle?.release()).rejects.toBeInstanceOf(InfrastructureError);
    await expect(handle?.extend(1000)).rejects.toBeInstanceOf(InfrastructureError);

    for (const lock of [subscribed, fresh]) {
      started = performance.now();
      expect(await lock.waitForRelease('k', 5000)).toBe('expired');
      expect(performance.now() - started).toBeLessThan(600);
      expect(lock.waiting).toBe(0);
    }
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expect(errors.every((error) => error instanceof InfrastructureError)).toBe(true);
    expect(errors.map((error) => error.message).join('\n')).not.toContain(handle?.token ?? '??');
  });

  it('re-subscribes after a reconnect and re-checks pending waiters', async () => {
    const prefix = uniqueKeyPrefix('lockreconnect');
    const holder = res.lock({ client: res.client(), keyPrefix: prefix, onError });
    const waiter = res.lock({ client: res.client(), keyPrefix: prefix, onError });
    await holder.tryAcquire('k1', 10_000);
    const pending = waiter.waitForRelease('k1', 8000);
    await sleep(50);

    // The restart loses every key: the pending waiter learns it on reconnect, not at its TTL.
    await server.stop();
    await server.start();
    const restartedAt = performance.now();
    const { value, ms } = await timed(pending, () => restartedAt);
    expect(value).toBe<WaitOutcome>('expired');
    expect(ms).toBeLessThan(1500);

    // Notifications flow again on the re-established subscription. (Commands fail fast until
    // the holder's own connection is back: its breaker closes on 'ready'.)
    await vi.waitFor(() => expect(holder.connection.health.state).toBe('closed'), { timeout: 3000 });
    const handle = await holder.tryAcquire('k2', 10_000);
    expect(handle).toBeDefined();
    const next = waiter.waitForRelease('k2', 5000);
    await sleep(50);
    const releasedAt = performance.now();
    expect(await handle?.release()).toBe(true);
    const woken = await timed(next, () => releasedAt);
    expect(woken.value).toBe<WaitOutcome>('released');
    expect(woken.ms).toBeLessThan(100);
  });
});
