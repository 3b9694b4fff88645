import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { CircuitOpenError, InfrastructureError, ValidationError } from '../../src/errors.js';
import { backendConformance } from '../../src/testing/index.js';
import { describeOwnRedisServer, describeRedis, uniqueKeyPrefix } from '../helpers/redis.js';
import { findFreePort, type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';

const bytes = (text: string) => new TextEncoder().encode(text);

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of iterable) out.push(key);
  return out.sort();
}

/** Runs `fn` and returns how long it took to reject, plus the error. */
async function timeRejection(fn: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  try {
    await fn();
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
  throw new Error('expected a rejection');
}

describeRedis('RedisBackend against the shared redis-server', (url) => {
  // A fresh prefix per suite: clear() in the conformance tests cannot touch anything else.
  const conformancePrefix = uniqueKeyPrefix('conformance');
  backendConformance(
    'RedisBackend',
    () => new RedisBackend({ url, keyPrefix: conformancePrefix, scanCount: 100 }),
    { manyKeys: 1200 },
  );
  backendConformance(
    'RedisBackend (default scanCount)',
    () => new RedisBackend({ url, keyPrefix: uniqueKeyPrefix('conf2') }),
  );

  describe('keyPrefix isolation', () => {
    const backends: RedisBackend[] = [];
    let raw: Redis;

    beforeAll(() => {
      raw = new Redis(url);
    });
    afterAll(async () => {
      await raw.quit();
    });
    afterEach(async () => {
      for (const backend of backends.splice(0)) {
        await backend.clear();
        await backend.close();
      }
    });

    const make = (keyPrefix: string) => {
      const backend = new RedisBackend({ url, keyPrefix });
      backends.push(backend);
      return backend;
    };

    it('prefixes stored keys and strips the prefix from keys()', async () => {
      const prefix = uniqueKeyPrefix('iso');
      const backend = make(prefix);
      await backend.set('a:1', bytes('x'), 60_000);
      expect(await raw.exists(`${prefix}a:1`)).toBe(1);
      expect(await raw.exists('a:1')).toBe(0);
      expect(await collect(backend.keys())).toEqual(['a:1']);
      const pttl = await raw.pttl(`${prefix}a:1`);
      expect(pttl).toBeGreaterThan(55_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
    });

    it('clear() and keys() of one prefix never touch another', async () => {
      const base = uniqueKeyPrefix('iso');
      // One prefix is a string-prefix of the other, and contains glob characters.
      const a = make(`${base}[a]*`);
      const b = make(`${base}[a]*b`);
      const c = make(`${base}a`);
      await a.set('1', bytes('a1'), 60_000);
      await b.set('1', bytes('b1'), 60_000);
      await c.set('1', bytes('c1'), 60_000);
      expect(await collect(a.keys())).toEqual(['1', 'b1']);
      expect(await collect(b.keys())).toEqual(['1']);
      await b.clear();
      expect(await a.get('b1')).toBeUndefined();
      expect(await a.get('1')).toEqual(bytes('a1'));
      await a.clear();
      expect(await c.get('1')).toEqual(bytes('c1'));
      expect(await collect(c.keys())).toEqual(['1']);
    });

    it('stores binary values byte for byte (checked with a raw client)', async () => {
      const prefix = uniqueKeyPrefix('bin');
      const backend = make(prefix);
      const value = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
      await backend.set('k', value, 60_000);
      const stored = await raw.getBuffer(`${prefix}k`);
      expect(stored && Buffer.compare(stored, Buffer.from(value))).toBe(0);
      const got = await backend.get('k');
      expect(got).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(got ?? [])).toEqual(Buffer.from(value));
    });
  });

  describe('client ownership', () => {
    it('does not close a client passed in', async () => {
      const client = new Redis(url);
      try {
        const backend = new RedisBackend({ client, keyPrefix: uniqueKeyPrefix('own') });
        expect(backend.client).toBe(client);
        await backend.set('k', bytes('v'), 60_000);
        expect(await backend.get('k')).toEqual(bytes('v'));
        await backend.clear();
        await backend.close();
        expect(client.status).toBe('ready');
        expect(await client.ping()).toBe('PONG');
        await expect(backend.get('k')).rejects.toBeInstanceOf(InfrastructureError);
        expect(client.listenerCount('error')).toBe(0);
      } finally {
        await client.quit();
      }
    });

    it('closes a client passed in with ownsClient: true', async () => {
      const client = new Redis(url);
      const backend = new RedisBackend({ client, ownsClient: true, keyPrefix: uniqueKeyPrefix('own') });
      await backend.connect();
      await backend.close();
      expect(client.status).toBe('end');
    });

    it('closes the client it created; close() is idempotent', async () => {
      const backend = new RedisBackend({ url, keyPrefix: uniqueKeyPrefix('own') });
      expect(backend.status).toBe('wait'); // lazy
      await backend.connect();
      await backend.connect(); // idempotent
      expect(backend.status).toBe('ready');
      await backend.close();
      await backend.close();
      expect(backend.status).toBe('end');
      await expect(backend.get('k')).rejects.toMatchObject({
        name: 'InfrastructureError',
        context: { op: 'get', backend: 'redis' },
      });
    });

    it('closing a never-connected backend does not connect', async () => {
      const backend = new RedisBackend({ url });
      await backend.close();
      expect(backend.status).toBe('end');
    });

    it('commands before the first connect() wait for the connection', async () => {
      const backend = new RedisBackend({ url, keyPrefix: uniqueKeyPrefix('lazy') });
      try {
        expect(await backend.get('nothing')).toBeUndefined();
        expect(backend.status).toBe('ready');
      } finally {
        await backend.close();
      }
    });

    it('accepts ioredis options', async () => {
      const { port, hostname } = new URL(url);
      const backend = new RedisBackend({
        redis: { host: hostname, port: Number(port) },
        keyPrefix: uniqueKeyPrefix('opts'),
      });
      try {
        await backend.set('k', bytes('v'), 1000);
        expect(await backend.has('k')).toBe(true);
        await backend.clear();
      } finally {
        await backend.close();
      }
    });
  });
});

describe('RedisBackend constructor validation', () => {
  const expectIssues = (fn: () => unknown, paths: string[]) => {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(paths);
    return error as ValidationError;
  };

  it('rejects a client given together with url or redis options, and lets options complete a URL', async () => {
    const client = new Redis({ lazyConnect: true });
    expectIssues(() => new RedisBackend({ url: 'redis://127.0.0.1:1', client }), ['']);
    expectIssues(() => new RedisBackend({ redis: { port: 1 }, client }), ['']);
    client.disconnect();
    const completed = new RedisBackend({ url: 'redis://127.0.0.1:1', redis: { db: 3 } });
    expect((completed.client as Redis).options.db).toBe(3);
    await completed.close();
  });

  it('rejects bad numbers, a bad URL (without echoing it) and ioredis keyPrefix', () => {
    const error = expectIssues(
      () =>
        new RedisBackend({
          url: 'http://:hunter2@example.com',
          commandTimeoutMs: 0,
          connectTimeoutMs: -1,
          scanCount: 1.5,
        }),
      ['url', 'commandTimeoutMs', 'connectTimeoutMs', 'scanCount'],
    );
    expect(error.message).not.toContain('hunter2');
    expectIssues(() => new RedisBackend({ redis: { keyPrefix: 'x:' } }), ['redis.keyPrefix']);
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: 'x:' });
    expectIssues(() => new RedisBackend({ client: prefixed }), ['client']);
    prefixed.disconnect();
    expectIssues(() => new RedisBackend({ client: {} as Redis }), ['client']);
  });

  it('validates owns, breaker and cluster options, listing every problem', () => {
    expectIssues(
      () =>
        new RedisBackend({
          owns: 'yes' as unknown as boolean,
          breaker: {
            probeIntervalMs: 0,
            maxProbeIntervalMs: Number.POSITIVE_INFINITY,
            timeoutThreshold: 0.5,
          },
        }),
      ['owns', 'breaker.probeIntervalMs', 'breaker.maxProbeIntervalMs', 'breaker.timeoutThreshold'],
    );
    expectIssues(() => new RedisBackend({ cluster: { nodes: [] } }), ['cluster.nodes']);
    expectIssues(
      () => new RedisBackend({ cluster: { nodes: [{ port: 7000 }] }, url: 'redis://127.0.0.1:1' }),
      ['cluster'],
    );
    const client = new Redis({ lazyConnect: true });
    expectIssues(() => new RedisBackend({ cluster: { nodes: [7000] }, client }), ['']);
    client.disconnect();
  });

  it('creates a lazy Cluster client from cluster options, and shows no password in its target', async () => {
    const backend = new RedisBackend({
      cluster: {
        nodes: [{ host: '127.0.0.1', port: 7000 }],
        options: { redisOptions: { password: 'cl-secret-9' } },
      },
    });
    expect((backend.client as { isCluster?: boolean }).isCluster).toBe(true);
    expect(backend.status).toBe('wait');
    expect(backend.connection.target).toBe('redis cluster (127.0.0.1:7000, ...)');
    expect(JSON.stringify(backend.connection)).not.toContain('cl-secret-9');
    await backend.close();
  });

  it('rejects invalid entries', async () => {
    const backend = new RedisBackend({ url: 'redis://127.0.0.1:1' });
    await expect(backend.set('k', bytes('v'), 0)).rejects.toBeInstanceOf(ValidationError);
    await expect(
      backend.setMany([{ key: 'k', value: bytes('v'), ttlMs: Number.NaN }]),
    ).rejects.toBeInstanceOf(ValidationError);
    await backend.close();
  });

  it('defaults to redis://127.0.0.1:6379', async () => {
    const backend = new RedisBackend();
    const client = backend.client as Redis;
    expect(client.options.host).toBe('127.0.0.1');
    expect(client.options.port).toBe(6379);
    expect(client.options.lazyConnect).toBe(true);
    expect(client.options.enableAutoPipelining).toBe(false); // measured slower (npm run bench); opt in via redis options
    expect(client.options.maxRetriesPerRequest).toBe(1);
    expect(client.options.commandTimeout).toBeUndefined(); // the backend's watchdog bounds commands
    await backend.close();
  });
});

describeOwnRedisServer('RedisBackend when the server fails', () => {
  let server: RedisServerHandle;
  const errors: Error[] = [];
  let consoleError: ReturnType<typeof vi.spyOn>;

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(() => {
    consoleError?.mockRestore();
  });

  it('connect() to a dead port rejects naming host:port, never the password', async () => {
    const port = await findFreePort();
    const backend = new RedisBackend({ url: `redis://:sup3r-secret@127.0.0.1:${port}` });
    try {
      const { error } = await timeRejection(() => backend.connect());
      expect(error).toBeInstanceOf(InfrastructureError);
      const infra = error as InfrastructureError;
      expect(infra.message).toContain(`127.0.0.1:${port}`);
      const everything = JSON.stringify({
        message: infra.message,
        context: infra.context,
        stack: infra.stack,
      });
      expect(everything).not.toContain('sup3r-secret');
      expect(String((infra.cause as Error | undefined)?.message)).not.toContain('sup3r-secret');
    } finally {
      await backend.close();
    }
  });

  it('a wrong password is an InfrastructureError without any password; the right one works', async () => {
    const secured = await startRedisServer({ args: ['--requirepass', 'right-pass-456'] });
    const reported: Error[] = [];
    const wrong = new RedisBackend({
      url: `redis://:wrong-pass-123@127.0.0.1:${secured.port}`,
      onError: (error) => reported.push(error),
    });
    const right = new RedisBackend({ url: `redis://:right-pass-456@127.0.0.1:${secured.port}` });
    try {
      const { error } = await timeRejection(() => wrong.connect());
      expect(error).toBeInstanceOf(InfrastructureError);
      expect((error as Error).message).toContain(`127.0.0.1:${secured.port}`);
      const visible = JSON.stringify([
        (error as Error).message,
        (error as InfrastructureError).context,
        String((error as Error).cause),
        ...reported.map((e) => [e.message, String(e.cause), (e as InfrastructureError).context]),
      ]);
      expect(visible).not.toContain('wrong-pass-123');
      expect(visible).not.toContain('right-pass-456');
      await right.connect();
      await right.set('k', bytes('v'), 1000);
      expect(await right.get('k')).toEqual(bytes('v'));
    } finally {
      await wrong.close();
      await right.close();
      await secured.stop();
    }
  });

  it('fails fast while the server is stopped and recovers after a restart', async () => {
    consoleError = vi.spyOn(console, 'error');
    const backend = new RedisBackend({
      url: server.url,
      keyPrefix: uniqueKeyPrefix('stop'),
      // Long on purpose: failing fast must not rely on the timeout.
      commandTimeoutMs: 5000,
      onError: (error) => errors.push(error),
    });
    try {
      await backend.connect();
      await backend.set('k', bytes('before'), 60_000);
      await server.stop();
      await vi.waitFor(() => expect(backend.status).not.toBe('ready'), { timeout: 2000 });

      // Every call rejects at once with a CircuitOpenError (the breaker opened when the
      // connection dropped) instead of queueing.
      for (const call of [
        () => backend.get('k'),
        () => backend.set('k', bytes('x'), 1000),
        () => backend.delete('k'),
        () => backend.has('k'),
        () => collect(backend.keys()),
        () => backend.clear(),
        () => backend.getMany(['k']),
        () => backend.setMany([{ key: 'k', value: bytes('x'), ttlMs: 1000 }]),
      ]) {
        const { ms, error } = await timeRejection(call);
        expect(error).toBeInstanceOf(CircuitOpenError);
        expect((error as InfrastructureError).context).toMatchObject({
          backend: 'redis',
          reason: 'circuit-open',
        });
        expect((error as Error).message).toContain(`127.0.0.1:${server.port}`);
        expect(ms).toBeLessThan(200);
      }
      await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 3000 });
      expect(errors[0]).toBeInstanceOf(InfrastructureError);

      await server.start();
      // Same backend instance, no manual reconnect: works again once ioredis has reconnected.
      await vi.waitFor(
        async () => {
          await backend.set('k', bytes('after'), 60_000);
        },
        { timeout: 5000, interval: 100 },
      );
      expect(await backend.get('k')).toEqual(bytes('after'));
      expect(backend.status).toBe('ready');
      await backend.clear();
      const unhandled = consoleError.mock.calls.filter((args: unknown[]) =>
        String(args[0]).includes('Unhandled error event'),
      );
      expect(unhandled).toEqual([]);
    } finally {
      await backend.close();
    }
  });

  it('bounds calls on a paused server even when the client passed in has no commandTimeout', async () => {
    const client = new Redis(server.url);
    const backend = new RedisBackend({ client, keyPrefix: uniqueKeyPrefix('pause'), commandTimeoutMs: 200 });
    try {
      await backend.set('k', bytes('v'), 60_000);
      server.pause();
      try {
        const { ms, error } = await timeRejection(() => backend.get('k'));
        expect(error).toBeInstanceOf(InfrastructureError);
        expect((error as InfrastructureError).context).toMatchObject({ op: 'get', reason: 'timeout' });
        expect(ms).toBeGreaterThanOrEqual(150);
        expect(ms).toBeLessThan(600);
      } finally {
        server.resume();
      }
      expect(await backend.get('k')).toEqual(bytes('v'));
      await backend.clear();
    } finally {
      await backend.close();
      await client.quit();
    }
  });

  it('a SIGSTOP-paused server makes calls reject within commandTimeoutMs', async () => {
    const backend = new RedisBackend({
      url: server.url,
      keyPrefix: uniqueKeyPrefix('pause'),
      commandTimeoutMs: 200,
    });
    try {
      await backend.connect();
      await backend.set('k', bytes('v'), 60_000);
      server.pause();
      try {
        const { ms, error } = await timeRejection(() => backend.get('k'));
        expect(error).toBeInstanceOf(InfrastructureError);
        expect((error as InfrastructureError).context).toMatchObject({ op: 'get', backend: 'redis' });
        expect(ms).toBeGreaterThanOrEqual(150);
        expect(ms).toBeLessThan(600);
        const slow = await timeRejection(() => collect(backend.keys()));
        expect(slow.error).toBeInstanceOf(InfrastructureError);
        expect(slow.ms).toBeLessThan(600);
      } finally {
        server.resume();
      }
      // Replies of the timed-out commands are discarded; later replies stay in sync.
      expect(backend.status).toBe('ready');
      expect(await backend.get('k')).toEqual(bytes('v'));
      await backend.set('k2', bytes('w'), 60_000);
      expect(await backend.getMany(['k', 'k2'])).toEqual([bytes('v'), bytes('w')]);
      await backend.clear();
    } finally {
      await backend.close();
    }
  });
});

describeRedis('RedisBackend read batching', (url) => {
  it('the first read of a burst goes at once, the reads issued while it is in flight go out as one MGET', async () => {
    const backend = new RedisBackend({ url, keyPrefix: uniqueKeyPrefix('batch') });
    await backend.set('a', new Uint8Array([1]), 10_000);
    await backend.set('b', new Uint8Array([2, 2]), 10_000);
    const sent: string[] = [];
    const client = backend.client as Redis;
    const original = client.sendCommand.bind(client);
    client.sendCommand = ((command: { name: string }) => {
      sent.push(command.name);
      return original(command as never);
    }) as typeof client.sendCommand;
    const [a, b, missing] = await Promise.all([backend.get('a'), backend.get('b'), backend.get('nope')]);
    expect(Buffer.from(a as Uint8Array)).toEqual(Buffer.from([1]));
    expect(Buffer.from(b as Uint8Array)).toEqual(Buffer.from([2, 2]));
    expect(missing).toBeUndefined();
    expect(sent).toEqual(['get', 'mget']);
    sent.length = 0;
    await backend.get('a'); // nothing else in flight: a plain GET, no batching delay
    expect(sent).toEqual(['get']);
    await backend.close();
  });
});
