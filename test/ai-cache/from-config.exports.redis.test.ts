/**
 * `redisBackendFromConfig` against the shared real redis-server: a URL, or host and port,
 * completed by the options given next to it (db, key prefix).
 */
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { type RedisBackend, redisBackendFromConfig } from '../../src/index.js';
import { describeRedis, uniqueKeyPrefix } from '../helpers/redis.js';

type Config = Parameters<typeof redisBackendFromConfig>[0];

describeRedis('redisBackendFromConfig over a real Redis', (url) => {
  const backends: RedisBackend[] = [];
  const clients: Redis[] = [];
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
    for (const c of clients) c.disconnect();
  });
  const fromConfig = (fields: Partial<Config>) => {
    const backend = redisBackendFromConfig({ commandTimeoutMs: 1000, connectTimeoutMs: 5000, ...fields });
    backends.push(backend);
    return backend;
  };
  const raw = (db: number) => {
    const client = new Redis(url, { db });
    clients.push(client);
    return client;
  };

  it('a URL with db and keyPrefix next to it: values land under the prefix in that database', async () => {
    const keyPrefix = uniqueKeyPrefix('from-config');
    const backend = fromConfig({ url, db: 3, keyPrefix });
    await backend.set('k', new Uint8Array([1, 2, 3]), 60_000);
    expect(await backend.get('k')).toEqual(new Uint8Array([1, 2, 3]));
    const inDb3 = await raw(3).getBuffer(`${keyPrefix}k`);
    expect(inDb3 && [...inDb3]).toEqual([1, 2, 3]);
    expect(await raw(0).exists(`${keyPrefix}k`)).toBe(0);
    const pttl = await raw(3).pttl(`${keyPrefix}k`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
    await backend.clear();
    expect(await raw(3).exists(`${keyPrefix}k`)).toBe(0);
  });

  it('host and port without a URL connect to that server', async () => {
    const { hostname, port } = new URL(url);
    const keyPrefix = uniqueKeyPrefix('from-config-host');
    const backend = fromConfig({ host: hostname, port: Number(port), keyPrefix });
    await backend.connect();
    expect(backend.status).toBe('ready');
    await backend.set('k', new TextEncoder().encode('v'), 60_000);
    expect(await raw(0).get(`${keyPrefix}k`)).toBe('v');
    await backend.clear();
  });
});
