/**
 * RedisBackend.keys() remembers a bounded window of the keys it yielded (keysDedupWindow).
 * The server is a real redis-server of this file's own (an empty database, so SCAN pages
 * are small and every run is alike). SCAN may report a key more than once (while Redis resizes
 * its tables), which cannot be provoked on demand: the client's `scan` is wrapped to repeat,
 * after each real reply, every key the real SCAN returned before, the worst case of what SCAN
 * is allowed to do. Everything else is Redis itself.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { ValidationError } from '../../src/errors.js';
import { describeOwnRedisServer } from '../helpers/redis.js';
import { type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';
import { collect, smallestRepeatGap } from './fixtures/keys.js';

const KEYS = 40;

/** Wraps `client.scan`: each non-empty reply also carries every key the real SCAN returned before it. */
function echoingScan(client: Redis): { calls: () => number } {
  const history: string[] = [];
  let calls = 0;
  const real = client.scan.bind(client) as (...args: unknown[]) => Promise<[string, string[]]>;
  (client as unknown as { scan: unknown }).scan = async (...args: unknown[]) => {
    calls++;
    const [cursor, batch] = await real(...args);
    const echoed = batch.length > 0 ? [...batch, ...history] : batch;
    history.push(...batch);
    return [cursor, echoed];
  };
  return { calls: () => calls };
}

describeOwnRedisServer('RedisBackend keys(): a bounded de-duplication window', () => {
  let server: RedisServerHandle;
  let admin: Redis;
  const clients: Redis[] = [];
  const backends: RedisBackend[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    for (let i = 0; i < KEYS; i++) await admin.set(`k:${i}`, 'v');
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((backend) => backend.close()));
    for (const client of clients.splice(0)) client.disconnect();
  });

  function backend(keysDedupWindow?: number) {
    const client = new Redis(server.url);
    clients.push(client);
    const scan = echoingScan(client);
    const made = new RedisBackend({
      client,
      keyPrefix: 'k:',
      scanCount: 2,
      ...(keysDedupWindow === undefined ? {} : { keysDedupWindow }),
    });
    backends.push(made);
    return { backend: made, scan };
  }

  it('with the default window, every key is yielded once although SCAN repeats them all', async () => {
    const { backend: redis, scan } = backend();
    const yields = await collect(redis.keys());
    expect(scan.calls()).toBeGreaterThan(3); // several pages, each repeating the ones before
    expect(yields.length).toBe(KEYS);
    expect(new Set(yields).size).toBe(KEYS);
  });

  it('with a window of 8, memory is bounded: old repeats come back, and none within 8 yields', async () => {
    const { backend: redis } = backend(8);
    const yields = await collect(redis.keys());
    const distinct = new Set(yields);
    expect(distinct.size).toBe(KEYS);
    for (let i = 0; i < KEYS; i++) expect(distinct.has(String(i))).toBe(true);
    // Keys reported again after more than 8 other keys were forgotten, so they are yielded again.
    expect(yields.length).toBeGreaterThan(KEYS);
    // Within the window de-duplication still holds: a key is never yielded twice within 8 yields.
    expect(smallestRepeatGap(yields)).toBeGreaterThan(8);
  });

  it('a window larger than the keyspace de-duplicates exactly', async () => {
    const { backend: redis } = backend(KEYS);
    const yields = await collect(redis.keys());
    expect(yields.length).toBe(KEYS);
  });

  it('rejects a keysDedupWindow that is not a positive integer', () => {
    for (const bad of [0, 2.5, '8']) {
      let error: unknown;
      try {
        new RedisBackend({ url: server.url, keysDedupWindow: bad as number });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['keysDedupWindow']);
    }
  });
});
