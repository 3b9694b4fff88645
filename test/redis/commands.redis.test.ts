import { type Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CircuitOpenError, InfrastructureError } from '../../src/errors.js';
import { CircuitBreaker } from '../../src/redis/breaker.js';
import { CommandSender, circuitOpenError, closedError, timeoutError } from '../../src/redis/commands.js';
import { Deadlines } from '../../src/redis/deadlines.js';
import { describeRedis, uniqueKeyPrefix } from '../helpers/redis.js';

describe('command errors', () => {
  it('closedError names the target and the operation, with the caller context', () => {
    const error = closedError('127.0.0.1:6379', 'get', { context: { backend: 'redis' } });
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error.message).toBe('The Redis connection to 127.0.0.1:6379 is closed');
    expect(error.context).toEqual({
      op: 'get',
      target: '127.0.0.1:6379',
      reason: 'closed',
      backend: 'redis',
    });
  });

  it('timeoutError says what timed out after how long', () => {
    const error = timeoutError('h:1', 'acquire', 250, { what: 'Redis lock', subject: 'lock:a' });
    expect(error.message).toBe('Redis lock acquire (lock:a) on h:1 timed out after 250 ms');
    expect(error.context).toEqual({ op: 'acquire', target: 'h:1', reason: 'timeout', timeoutMs: 250 });
    expect(timeoutError('h:1', 'get', 5).message).toBe('Redis get on h:1 timed out after 5 ms');
  });

  it('circuitOpenError carries the state and the reason of the breaker', () => {
    const reason = new Error('connect ECONNREFUSED');
    const error = circuitOpenError('h:1', { state: 'open', reason }, 'set');
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error.message).toBe(
      'Redis set not sent: the circuit breaker of h:1 is open (connect ECONNREFUSED)',
    );
    expect(error.cause).toBe(reason);
    expect(error.context).toMatchObject({ op: 'set', target: 'h:1', reason: 'circuit-open' });
    const bare = circuitOpenError('h:1', { state: 'half-open', reason: undefined }, 'get');
    expect(bare.message).toBe('Redis get not sent: the circuit breaker of h:1 is half-open');
    expect(bare.cause).toBeUndefined();
  });
});

describeRedis('CommandSender against the shared redis-server', (url) => {
  let client: Redis;
  const made: { health: CircuitBreaker; deadlines: Deadlines }[] = [];

  beforeAll(async () => {
    client = new Redis(url);
    await client.ping();
  });
  afterAll(async () => {
    await client.quit();
  });
  afterEach(() => {
    for (const { health, deadlines } of made.splice(0)) {
      health.stop();
      deadlines.rejectAll(new Error('test over'));
    }
  });

  function sender(over: { closed?: () => boolean; waitReady?: (ms: number) => Promise<void> } = {}) {
    const health = new CircuitBreaker({}, () => undefined);
    const deadlines = new Deadlines();
    made.push({ health, deadlines });
    const waits: number[] = [];
    const commands = new CommandSender({
      client,
      target: 'test-redis',
      health,
      deadlines,
      commandTimeoutMs: 1000,
      closed: over.closed ?? (() => false),
      waitReady:
        over.waitReady ??
        ((ms) => {
          waits.push(ms);
          return Promise.resolve();
        }),
    });
    return { commands, health, waits };
  }

  it('sends a command and returns its reply', async () => {
    const { commands, health } = sender();
    const key = uniqueKeyPrefix('commands');
    await commands.run('set', (c) => c.set(key, 'v', 'PX', 10_000));
    expect(await commands.run('get', (c) => c.get(key))).toBe('v');
    expect(health.state).toBe('closed');
    await client.del(key);
  });

  it('an error reply rejects with scope key and leaves the breaker closed', async () => {
    const { commands, health } = sender();
    const key = uniqueKeyPrefix('wrongtype');
    await client.rpush(key, 'x');
    const error = await commands
      .run('get', (c) => c.get(key), { context: { backend: 'redis' } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error.scope).toBe('key');
    expect(error.message).toMatch(/^Redis get failed on test-redis: WRONGTYPE/);
    expect(error.context).toMatchObject({ op: 'get', reason: 'reply', backend: 'redis' });
    expect(health.state).toBe('closed');
    await client.del(key);
  });

  it('rejects with a timeout error once the deadline passes', async () => {
    const { commands } = sender();
    const never = new Promise<string>(() => {});
    const error = await commands.run('get', () => never, { timeoutMs: 10 }).catch((e) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error.context).toMatchObject({ op: 'get', reason: 'timeout', timeoutMs: 10 });
  });

  it('sends nothing while the breaker is open or the connection is closed', async () => {
    const { commands, health } = sender();
    let calls = 0;
    const counted = (c: Redis | Cluster) => {
      calls++;
      return c.get('x');
    };
    health.fail(new Error('connect ECONNREFUSED'), false);
    const open = await commands.run('get', counted).catch((e) => e);
    expect(open).toBeInstanceOf(CircuitOpenError);
    const closed = sender({ closed: () => true });
    const error = await closed.commands.run('get', counted).catch((e) => e);
    expect(error.context).toMatchObject({ reason: 'closed' });
    expect(calls).toBe(0);
  });

  it('connection-level failures on a ready client open the breaker after timeoutThreshold; a synchronous throw is wrapped', async () => {
    const { commands, health } = sender();
    const refused = () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    };
    for (let i = 1; i <= 3; i++) {
      const error: unknown = await commands.run('get', refused).catch((e) => e);
      expect(error).toBeInstanceOf(InfrastructureError);
      expect((error as InfrastructureError).scope).toBe('connection');
      // The default threshold: three consecutive failures while the client looks ready.
      expect(health.state).toBe(i < 3 ? 'closed' : 'open');
    }
  });

  it('waits for ready (within the deadline) before the first command of a lazy client', async () => {
    const lazy = new Redis(url, { lazyConnect: true });
    const idle = new Redis(url, { lazyConnect: true });
    try {
      const health = new CircuitBreaker({}, () => undefined);
      const deadlines = new Deadlines();
      made.push({ health, deadlines });
      const waits: number[] = [];
      const commands = new CommandSender({
        client: lazy,
        target: 'lazy',
        health,
        deadlines,
        commandTimeoutMs: 700,
        closed: () => false,
        waitReady: async (ms) => {
          waits.push(ms);
          await lazy.connect();
        },
      });
      expect(await commands.run('ping', (c) => c.ping())).toBe('PONG');
      expect(waits).toEqual([700]);
      const failing = new CommandSender({
        client: idle,
        target: 'lazy',
        health,
        deadlines,
        commandTimeoutMs: 50,
        closed: () => false,
        waitReady: () => Promise.reject(new Error('connect ETIMEDOUT')),
      });
      const error = await failing.run('ping', (c) => c.ping()).catch((e) => e);
      expect(error).toBeInstanceOf(InfrastructureError);
      expect(error.message).toContain('connect ETIMEDOUT');
      expect(idle.status).toBe('wait');
    } finally {
      lazy.disconnect();
      idle.disconnect();
    }
  });
});
