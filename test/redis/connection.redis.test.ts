import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { RedisInvalidationBus } from '../../src/bus/index.js';
import { CircuitOpenError, InfrastructureError } from '../../src/errors.js';
import { RedisLock } from '../../src/locks/redis-lock.js';
import { RedisConnection } from '../../src/redis/connection.js';
import { describeOwnRedisServer, uniqueKeyPrefix } from '../helpers/redis.js';
import { type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Counts the commands a client writes to its socket (sendCommand), by name. */
function countCommands(client: Redis) {
  const sent: string[] = [];
  const original = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string }, stream?: unknown) => {
    sent.push(command.name);
    return original(command as never, stream as never);
  }) as typeof client.sendCommand;
  return { sent, restore: () => (client.sendCommand = original as typeof client.sendCommand) };
}

describeOwnRedisServer('RedisConnection: circuit breaker', () => {
  let server: RedisServerHandle;
  let admin: Redis;
  const closables: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(closable: T): T => {
    closables.push(closable);
    return closable;
  };

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
  });

  it.each([
    ['a client it created', false],
    ['a given client with an offline queue', true],
  ])(
    'opens when the server is stopped (%s): calls fail with CircuitOpenError and send nothing; closes by itself after a restart',
    async (_, given) => {
      const options = { keyPrefix: uniqueKeyPrefix('breaker'), commandTimeoutMs: 5000 };
      let client: Redis | undefined;
      if (given) {
        client = new Redis(server.url, { retryStrategy: () => 50 }); // enableOfflineQueue: true (ioredis' default)
        client.on('error', () => {});
        track({ close: async () => client?.disconnect() });
      }
      const backend = track(
        new RedisBackend(client ? { ...options, client } : { ...options, url: server.url }),
      );
      const changes: string[] = [];
      backend.health.onChange((change) => changes.push(change.state));
      await backend.connect();
      await backend.set('k', bytes('v'), 60_000);
      expect(backend.health.state).toBe('closed');

      await server.stop();
      await vi.waitFor(() => expect(backend.health.state).toBe('open'), { timeout: 2000 });
      expect(backend.health.opened).toBe(1);
      const counter = countCommands(backend.client as Redis);
      const results = await Promise.allSettled([
        backend.get('k'),
        backend.set('k', bytes('x'), 1000),
        backend.has('k'),
        backend.delete('k'),
        backend.getMany(['k', 'j']),
        backend.setMany([{ key: 'k', value: bytes('x'), ttlMs: 1000 }]),
        backend.clear(),
      ]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        const error = (result as PromiseRejectedResult).reason;
        expect(error).toBeInstanceOf(CircuitOpenError);
        expect((error as CircuitOpenError).scope).toBe('connection');
        expect((error as CircuitOpenError).code).toBe('E_CIRCUIT_OPEN');
      }
      // Not one command went to the socket (nor to ioredis' offline queue).
      expect(counter.sent).toEqual([]);
      expect((backend.client as unknown as { offlineQueue: { length: number } }).offlineQueue.length).toBe(0);
      counter.restore();

      await server.start();
      await vi.waitFor(() => expect(backend.health.state).toBe('closed'), { timeout: 5000 });
      // The restarted server is empty (no persistence): writes and reads work again.
      expect(await backend.get('k')).toBeUndefined();
      await backend.set('k', bytes('after'), 60_000);
      expect(await backend.get('k')).toEqual(bytes('after'));
      expect(changes[0]).toBe('open');
      expect(changes.at(-1)).toBe('closed');
      expect(backend.health.opened).toBe(1);
      await backend.clear();
    },
  );

  it('opens on a SIGSTOP-paused server after missed deadlines, fails fast, and a half-open PING closes it after SIGCONT', async () => {
    const backend = track(
      new RedisBackend({
        url: server.url,
        keyPrefix: uniqueKeyPrefix('paused'),
        commandTimeoutMs: 100,
        breaker: { probeIntervalMs: 50, maxProbeIntervalMs: 100, timeoutThreshold: 3 },
      }),
    );
    await backend.connect();
    await backend.set('k', bytes('v'), 60_000);
    const changes: string[] = [];
    backend.health.onChange((change) => changes.push(change.state));
    server.pause();
    try {
      const missed = await Promise.allSettled([backend.has('a'), backend.has('b'), backend.has('c')]);
      for (const result of missed) {
        const error = (result as PromiseRejectedResult).reason as InfrastructureError;
        expect(error).toBeInstanceOf(InfrastructureError);
        expect(error).not.toBeInstanceOf(CircuitOpenError);
        expect(error.context).toMatchObject({ reason: 'timeout', timeoutMs: 100 });
      }
      expect(backend.health.state).not.toBe('closed');
      expect(backend.status).toBe('ready'); // the socket is still up: only the deadlines tell
      const counter = countCommands(backend.client as Redis);
      await expect(backend.get('k')).rejects.toBeInstanceOf(CircuitOpenError);
      await expect(backend.set('k', bytes('w'), 1000)).rejects.toBeInstanceOf(CircuitOpenError);
      // Only probes (PING) may reach the socket while open.
      expect(counter.sent.filter((name) => name !== 'ping')).toEqual([]);
      counter.restore();
    } finally {
      server.resume();
    }
    await vi.waitFor(() => expect(backend.health.state).toBe('closed'), { timeout: 3000 });
    expect(changes).toContain('half-open');
    expect(backend.health.opened).toBe(1);
    expect(await backend.get('k')).toEqual(bytes('v'));
    await backend.clear();
  });

  it('WRONGTYPE is scope "key": the breaker stays closed, other keys still hit, the next set repairs the key', async () => {
    const prefix = uniqueKeyPrefix('wrongtype');
    const backend = track(new RedisBackend({ url: server.url, keyPrefix: prefix }));
    await backend.set('good', bytes('g'), 60_000);
    await admin.rpush(`${prefix}bad`, 'a list, not a cache entry');
    const error = await backend.get('bad').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).scope).toBe('key');
    expect((error as InfrastructureError).message).toContain('WRONGTYPE');
    expect(backend.health.state).toBe('closed');
    expect(backend.health.opened).toBe(0);
    expect(await backend.get('good')).toEqual(bytes('g'));
    // A batched read of the bad key is a miss (MGET returns nil for a non-string).
    expect(await backend.getMany(['good', 'bad'])).toEqual([bytes('g'), undefined]);
    await backend.set('bad', bytes('repaired'), 60_000);
    expect(await backend.get('bad')).toEqual(bytes('repaired'));
    await backend.clear();
  });

  it('OOM refusals of writes are scope "key": the breaker stays closed and every stored key still hits', async () => {
    const prefix = uniqueKeyPrefix('oom');
    const backend = track(new RedisBackend({ url: server.url, keyPrefix: prefix }));
    for (let i = 0; i < 20; i++) await backend.set(`k${i}`, bytes(`v${i}`), 60_000);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1mb');
    try {
      const big = new Uint8Array(256 * 1024);
      let refusal: unknown;
      for (let i = 0; i < 40 && refusal === undefined; i++) {
        refusal = await backend.set(`big${i}`, big, 60_000).then(
          () => undefined,
          (e: unknown) => e,
        );
      }
      expect(refusal).toBeInstanceOf(InfrastructureError);
      expect((refusal as InfrastructureError).scope).toBe('key');
      expect((refusal as Error).message).toContain('OOM');
      const pipelined = await backend
        .setMany([{ key: 'm', value: big, ttlMs: 1000 }])
        .catch((e: unknown) => e);
      expect((pipelined as InfrastructureError).scope).toBe('key');
      expect(backend.health.state).toBe('closed');
      expect(backend.health.opened).toBe(0);
      for (let i = 0; i < 20; i++) expect(await backend.get(`k${i}`)).toEqual(bytes(`v${i}`));
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    await backend.clear();
  });

  it('a command over its deadline rejects with reason "timeout" (CLIENT PAUSE), and one isolated miss does not open the breaker', async () => {
    const connection = track(new RedisConnection({ url: server.url, commandTimeoutMs: 1000 }));
    await connection.waitReady(2000);
    await admin.client('PAUSE', 300, 'ALL');
    const error = await connection
      .run('get', (client) => client.get('x'), { timeoutMs: 50 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).context).toMatchObject({
      op: 'get',
      reason: 'timeout',
      timeoutMs: 50,
    });
    expect(connection.health.state).toBe('closed');
    await vi.waitFor(
      async () => expect(await connection.run('ping', (client) => client.ping())).toBe('PONG'),
      {
        timeout: 2000,
      },
    );
  });

  it('lock and bus on the backend client share its breaker: acquire fails fast and the bus publishes nothing while open', async () => {
    const backend = track(new RedisBackend({ url: server.url, keyPrefix: uniqueKeyPrefix('shared') }));
    const lockErrors: Error[] = [];
    const busErrors: Error[] = [];
    const lock = track(new RedisLock({ client: backend.client, onError: (e) => lockErrors.push(e) }));
    const bus = track(
      new RedisInvalidationBus({ client: backend.client, onError: (e) => busErrors.push(e) }),
    );
    expect(lock.connection).toBe(backend.connection);
    expect(bus.connection).toBe(backend.connection);
    await Promise.all([backend.connect(), bus.start()]);
    await server.stop();
    await vi.waitFor(() => expect(backend.health.state).toBe('open'), { timeout: 2000 });
    const counter = countCommands(backend.client as Redis);
    await expect(lock.tryAcquire('k', 1000)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(await lock.waitForRelease('k', 5000)).toBe('expired');
    await bus.publish({ type: 'delete', keys: ['k'] });
    expect(counter.sent).toEqual([]);
    counter.restore();
    expect(busErrors.some((e) => e instanceof CircuitOpenError)).toBe(true);
    expect(lockErrors.some((e) => e instanceof CircuitOpenError)).toBe(true);
  });

  it('never shows credentials: target, toJSON, util.inspect and errors', async () => {
    const connection = track(
      new RedisConnection({ url: `redis://admin:pa55-w0rd-xyz@127.0.0.1:${server.port}/0` }),
    );
    const shown = [
      connection.target,
      JSON.stringify(connection),
      inspect(connection),
      String(connection.toJSON()),
    ];
    const failure = await connection.waitReady(1000).catch((e: unknown) => e);
    shown.push(String(failure), JSON.stringify((failure as InfrastructureError).context ?? {}));
    for (const text of shown) expect(text).not.toContain('pa55-w0rd-xyz');
    expect(inspect(connection)).toContain(`127.0.0.1:${server.port}`);
  });
});
