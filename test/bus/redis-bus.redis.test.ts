import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type InvalidationMessage,
  RedisInvalidationBus,
  type RedisInvalidationBusOptions,
} from '../../src/bus/index.js';
import { InfrastructureError, SerializationError, ValidationError } from '../../src/errors.js';
import { describeOwnRedisServer, describeRedis, redisResources } from '../helpers/redis.js';
import { type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';

/** Polls `predicate` every 5 ms until it holds; fails after `timeoutMs`. */
async function waitFor(predicate: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A channel no other test (or run) uses. */
const uniqueChannel = (): string => `arc-test:bus:${randomUUID()}`;

/** What a bus received, with the time each message arrived. */
function recorder(bus: RedisInvalidationBus) {
  const messages: InvalidationMessage[] = [];
  const times: number[] = [];
  const unsubscribe = bus.subscribe((message) => {
    messages.push(message);
    times.push(performance.now());
  });
  return { messages, times, unsubscribe };
}

/** Clients and buss made by a test, closed after it. */
function resources(url: () => string, clientOptions: RedisOptions = {}) {
  const shared = redisResources(url, clientOptions);
  return {
    ...shared,
    bus: (options: RedisInvalidationBusOptions) => shared.track(new RedisInvalidationBus(options)),
  };
}

describe('RedisInvalidationBus validation', () => {
  const client = new Redis({ lazyConnect: true });
  afterAll(() => client.disconnect());

  it('rejects invalid options, listing every problem', () => {
    const make = () =>
      new RedisInvalidationBus({
        client: {} as Redis,
        channel: '',
        batchMs: -1,
        commandTimeoutMs: 0,
        onError: 'x' as unknown as () => void,
      });
    expect(make).toThrow(ValidationError);
    const error = (() => {
      try {
        make();
      } catch (caught) {
        return caught as ValidationError;
      }
    })();
    expect(error?.issues.map((issue) => issue.path).sort()).toEqual([
      'batchMs',
      'channel',
      'client',
      'commandTimeoutMs',
      'onError',
    ]);
    expect(() => new RedisInvalidationBus({ client, subscriber: client })).toThrow(/different connection/);
  });

  it('has defaults, a stable id, and reports invalid messages instead of throwing', async () => {
    const errors: Error[] = [];
    const bus = new RedisInvalidationBus({ client, onError: (error) => errors.push(error) });
    expect(bus.channel).toBe('arc:invalidate');
    expect(bus.connected).toBe(false);
    expect(bus.id).toMatch(/^[\w-]{16}$/);
    expect(bus.id).toBe(bus.id);
    expect(new RedisInvalidationBus({ client }).id).not.toBe(bus.id);
    await expect(bus.publish({ type: 'delete', keys: [1] } as unknown as InvalidationMessage)).resolves.toBe(
      undefined,
    );
    await bus.publish({ type: 'tags', tags: ['t'], at: Number.NaN });
    await bus.publish({ type: 'nope' } as unknown as InvalidationMessage);
    expect(errors).toHaveLength(3);
    expect(errors.every((error) => error instanceof ValidationError)).toBe(true);
    expect(() => bus.subscribe('x' as unknown as () => void)).toThrow(ValidationError);
    await bus.close();
    // Never started: nothing was connected (the lazy client stays untouched).
    expect(client.status).toBe('wait');
  });
});

describeRedis('RedisInvalidationBus on the shared redis-server', (url) => {
  const res = resources(() => url);
  afterEach(async () => {
    await res.dispose();
  });

  /** Two started buses on one fresh channel, each with its own command client. */
  async function pair(extra: Partial<RedisInvalidationBusOptions> = {}) {
    const channel = uniqueChannel();
    const errors: Error[] = [];
    const onError = (error: Error) => errors.push(error);
    const a = res.bus({ client: res.client(), channel, onError, ...extra });
    const b = res.bus({ client: res.client(), channel, onError, ...extra });
    await Promise.all([a.start(), b.start()]);
    return { a, b, channel, errors };
  }

  it('delivers delete, clear and tags to the other bus within 50 ms, not to the sender', async () => {
    const { a, b, errors } = await pair();
    expect(a.connected).toBe(true);
    expect(b.connected).toBe(true);
    const ownA = recorder(a);
    const gotB = recorder(b);
    const sent: InvalidationMessage[] = [
      { type: 'delete', keys: ['app:k1', 'app:k2'] },
      { type: 'clear', prefix: 'app:ns:' },
      { type: 'tags', tags: ['user:1', 'model:gpt'], at: Date.now() },
    ];
    for (const message of sent) {
      const index = gotB.messages.length;
      const started = performance.now();
      await a.publish(message);
      await waitFor(() => gotB.messages.length > index, 1000, `${message.type} on B`);
      expect((gotB.times[index] ?? Number.POSITIVE_INFINITY) - started).toBeLessThan(50);
    }
    expect(gotB.messages).toEqual(sent);
    // B's message is delivered to A (and only A's own are skipped).
    await b.publish({ type: 'delete', keys: ['from-b'] });
    await waitFor(() => ownA.messages.length === 1, 1000, 'B -> A');
    expect(ownA.messages).toEqual([{ type: 'delete', keys: ['from-b'] }]);
    expect(gotB.messages).toHaveLength(3);
    // Receivers get frozen copies.
    expect(Object.isFrozen(gotB.messages[0])).toBe(true);
    expect(errors).toEqual([]);
  });

  it('subscribe returns an unsubscribe; a handler error goes to onError and spares the others', async () => {
    const { a, b, errors } = await pair();
    const first = recorder(b);
    const second = recorder(b);
    const boom = new Error('handler failed');
    const offThrowing = b.subscribe(() => {
      throw boom;
    });
    await a.publish({ type: 'delete', keys: ['k1'] });
    await waitFor(() => second.messages.length === 1, 1000, 'first message');
    expect(first.messages).toHaveLength(1);
    expect(errors).toEqual([boom]);

    first.unsubscribe();
    first.unsubscribe();
    offThrowing();
    await a.publish({ type: 'delete', keys: ['k2'] });
    await waitFor(() => second.messages.length === 2, 1000, 'second message');
    expect(first.messages).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  it('merges publishes within batchMs: one delete with every key, clear and tags deduplicated', async () => {
    const { a, b, channel, errors } = await pair({ batchMs: 20 });
    const raw: string[] = [];
    const spy = res.client();
    spy.on('message', (_channel: string, payload: string) => raw.push(payload));
    await spy.subscribe(channel);
    const got = recorder(b);

    const at = Date.now();
    const sends = [
      a.publish({ type: 'delete', keys: ['k1'] }),
      a.publish({ type: 'delete', keys: ['k2', 'k1'] }),
      a.publish({ type: 'clear', prefix: 'p:' }),
      a.publish({ type: 'clear', prefix: 'p:' }),
      a.publish({ type: 'tags', tags: ['t1'], at }),
      a.publish({ type: 'tags', tags: ['t2', 't1'], at }),
      a.publish({ type: 'tags', tags: ['t3'], at: at + 1 }),
      a.publish({ type: 'delete', keys: ['k3'] }),
    ];
    expect(raw).toEqual([]);
    await Promise.all(sends);
    await waitFor(() => got.messages.length === 4, 1000, 'the batch');
    expect(got.messages).toEqual([
      { type: 'clear', prefix: 'p:' },
      { type: 'tags', tags: ['t1', 't2'], at },
      { type: 'tags', tags: ['t3'], at: at + 1 },
      { type: 'delete', keys: ['k1', 'k2', 'k3'] },
    ]);
    await waitFor(() => raw.length === 4, 1000, 'raw copies');
    expect(JSON.parse(raw[3] ?? '')).toEqual({ s: a.id, m: { type: 'delete', keys: ['k1', 'k2', 'k3'] } });

    // A new window opens after a flush; large deletes are split into messages of 1000 keys.
    const keys = Array.from({ length: 2500 }, (_, i) => `key:${i}`);
    await a.publish({ type: 'delete', keys });
    await waitFor(() => got.messages.length === 7, 1000, 'the split batch');
    expect(got.messages.slice(4).map((m) => (m.type === 'delete' ? m.keys.length : -1))).toEqual([
      1000, 1000, 500,
    ]);
    expect(errors).toEqual([]);
  });

  it('ignores malformed payloads and reports each to onError', async () => {
    const { a, b, channel, errors } = await pair();
    const got = recorder(b);
    const raw = res.client();
    const bad = [
      'not json',
      '[1,2]',
      '{"m":{"type":"delete","keys":["k"]}}',
      '{"s":"x","m":{"type":"delete","keys":[1]}}',
      '{"s":"x","m":{"type":"tags","tags":["t"]}}',
      '{"s":"x","m":{"type":"explode"}}',
    ];
    for (const payload of bad) await raw.publish(channel, payload);
    // A well-formed message from a foreign sender, with an unknown extra field, still goes through.
    await raw.publish(channel, JSON.stringify({ s: 'other', m: { type: 'clear', prefix: 'x:', extra: 1 } }));
    // A message claiming to come from B itself is skipped by B without complaint.
    await raw.publish(channel, JSON.stringify({ s: b.id, m: { type: 'clear', prefix: 'own:' } }));
    await a.publish({ type: 'delete', keys: ['last'] });
    await waitFor(() => got.messages.length === 2, 1000, 'the valid messages');
    expect(got.messages).toEqual([
      { type: 'clear', prefix: 'x:' },
      { type: 'delete', keys: ['last'] },
    ]);
    // A received all but its own message, B all but its own: 6 malformed each.
    await waitFor(() => errors.length === 12, 1000, 'the reports');
    expect(errors.every((error) => error instanceof SerializationError)).toBe(true);
    expect(errors[0]?.message).toContain('not JSON');
  });

  it('start is idempotent; close is idempotent and closes only the subscriber it created', async () => {
    const channel = uniqueChannel();
    const admin = res.client();
    const numsub = async () => Number((await admin.pubsub('NUMSUB', channel))[1]);

    const ownedClient = res.client();
    const duplicate = vi.spyOn(ownedClient, 'duplicate');
    const owned = res.bus({ client: ownedClient, channel });
    const given = res.client();
    const sharing = res.bus({ client: res.client(), subscriber: given, channel });
    const statuses: boolean[] = [];
    owned.onStatus((connected) => statuses.push(connected));
    await Promise.all([owned.start(), owned.start(), sharing.start()]);
    await owned.start();
    expect(duplicate).toHaveBeenCalledTimes(1);
    expect(statuses).toEqual([true]);
    expect(await numsub()).toBe(2);
    const ownedSubscriber = duplicate.mock.results[0]?.value as Redis;

    const closing = owned.close();
    expect(owned.close()).toBe(closing);
    await closing;
    expect(ownedSubscriber.status).toBe('end');
    expect(ownedClient.status).toBe('ready');
    expect(owned.connected).toBe(false);
    expect(statuses).toEqual([true]);

    await sharing.close();
    await sharing.close();
    expect(given.status).toBe('ready');
    expect(await numsub()).toBe(0);

    await expect(owned.start()).rejects.toBeInstanceOf(InfrastructureError);
    const errors: Error[] = [];
    const late = res.bus({ client: res.client(), channel, onError: (error) => errors.push(error) });
    await late.close();
    await late.publish({ type: 'delete', keys: ['k'] });
    expect(errors).toHaveLength(1);
    expect((errors[0] as InfrastructureError).context.reason).toBe('closed');
  });

  it('close sends a pending batch first', async () => {
    const { a, b } = await pair({ batchMs: 10_000 });
    const got = recorder(b);
    const sent = a.publish({ type: 'delete', keys: ['k1'] });
    await a.close();
    await sent;
    await waitFor(() => got.messages.length === 1, 1000, 'the flushed batch');
    expect(got.messages).toEqual([{ type: 'delete', keys: ['k1'] }]);
  });
});

describeOwnRedisServer('RedisInvalidationBus when the server restarts', () => {
  let server: RedisServerHandle;
  const res = resources(() => server.url, { retryStrategy: () => 20 });

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await res.dispose();
    if (server.pid === undefined) await server.start();
  });

  it('goes down with the server, reports publishes, re-subscribes and delivers again', async () => {
    const channel = uniqueChannel();
    const errors: Error[] = [];
    const onError = (error: Error) => errors.push(error);
    const a = res.bus({ client: res.client(), channel, onError, commandTimeoutMs: 150 });
    const b = res.bus({ client: res.client(), channel, onError, commandTimeoutMs: 150 });
    const statuses: boolean[] = [];
    b.onStatus((connected) => statuses.push(connected));
    await Promise.all([a.start(), b.start()]);
    const got = recorder(b);
    await a.publish({ type: 'delete', keys: ['before'] });
    await waitFor(() => got.messages.length === 1, 1000, 'the first message');

    await server.stop();
    await waitFor(() => !b.connected && !a.connected, 2000, 'A and B to notice');
    expect(statuses).toEqual([true, false]);

    const started = performance.now();
    await expect(a.publish({ type: 'delete', keys: ['while-down'] })).resolves.toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2000); // bounded by commandTimeoutMs, never hangs
    const failure = errors.find((error) => (error as InfrastructureError).context?.op === 'publish');
    expect(failure).toBeInstanceOf(InfrastructureError);

    await server.start();
    await waitFor(() => b.connected && a.connected, 3000, 'the re-subscription');
    expect(statuses).toEqual([true, false, true]);
    await a.publish({ type: 'delete', keys: ['after'] });
    await waitFor(
      () => got.messages.some((m) => m.type === 'delete' && m.keys[0] === 'after'),
      1000,
      'a message after the restart',
    );
  });

  it('re-subscribes by itself when the subscriber does not (autoResubscribe: false)', async () => {
    const channel = uniqueChannel();
    const a = res.bus({ client: res.client(), channel });
    const subscriber = res.client({ autoResubscribe: false });
    const b = res.bus({ client: res.client(), subscriber, channel });
    await Promise.all([a.start(), b.start()]);
    const got = recorder(b);

    await server.stop();
    await waitFor(() => !b.connected, 1000, 'B to notice');
    await server.start();
    await waitFor(() => b.connected, 3000, 'the re-subscription');
    await a.publish({ type: 'clear', prefix: 'after:' });
    await waitFor(() => got.messages.length === 1, 1000, 'a message after the restart');
    expect(got.messages).toEqual([{ type: 'clear', prefix: 'after:' }]);
  });

  it('start rejects while the server is down, then the bus comes up on its own', async () => {
    await server.stop();
    const channel = uniqueChannel();
    const errors: Error[] = [];
    const b = res.bus({
      client: res.client(),
      channel,
      commandTimeoutMs: 150,
      onError: (error) => errors.push(error),
    });
    const statuses: boolean[] = [];
    b.onStatus((connected) => statuses.push(connected));
    await expect(b.start()).rejects.toBeInstanceOf(InfrastructureError);
    expect(b.connected).toBe(false);

    await server.start();
    await waitFor(() => b.connected, 3000, 'the late subscription');
    expect(statuses).toEqual([true]);
    const a = res.bus({ client: res.client(), channel });
    const got = recorder(b);
    await a.publish({ type: 'delete', keys: ['k'] });
    await waitFor(() => got.messages.length === 1, 1000, 'a message');
  });
});
