/**
 * The Redis layer on a real 3-master Redis Cluster started by the test (see
 * `test/helpers/redis-cluster.ts`): backend conformance, keys spread over every master,
 * tags, the lock, and L1 coherence between two processes through the bus.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { createCache } from '../../src/cache/cache.js';
import { AIResponseCache } from '../../src/index.js';
import { RedisLock } from '../../src/locks/redis-lock.js';
import { backendConformance } from '../../src/testing/index.js';
import { describeRedisKind, uniqueCachePrefix, uniqueKeyPrefix } from '../helpers/redis.js';
import { type RedisClusterHandle, startRedisCluster } from '../helpers/redis-cluster.js';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Keys under `prefix` held by one node (SCAN on that node only: no redirection). */
async function keysOnNode(node: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found;
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of iterable) out.push(key);
  return out.sort();
}

const worker = fileURLToPath(new URL('./fixtures/cluster-worker.ts', import.meta.url));

/** A child process running one Cache on the Cluster; `send` resolves with its JSON answer. */
function startWorker(ports: string, prefix: string) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', worker, ports, prefix],
    {
      stdio: 'pipe',
    },
  );
  const pending = new Map<number, (body: Record<string, unknown>) => void>();
  let ready!: () => void;
  const readyPromise = new Promise<void>((r) => {
    ready = r;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as { id: number } & Record<string, unknown>;
    if (msg.id === 0) ready();
    pending.get(msg.id)?.(msg);
    pending.delete(msg.id);
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  let next = 1;
  const send = (cmd: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ id, ...cmd })}\n`);
    });
  return { child, send, ready: readyPromise, stderr: () => stderr };
}

/** Polls `read` until it returns `expected` (at most `limitMs`); resolves whether it did. */
async function becomes(read: () => Promise<unknown>, expected: unknown, limitMs: number): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    if (JSON.stringify(await read()) === JSON.stringify(expected)) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

describeRedisKind('cluster', 'Redis Cluster (3 masters started by the test)', () => {
  let cluster: RedisClusterHandle;
  const clients: (Redis | Cluster)[] = [];
  const closables: { close(): Promise<void> }[] = [];

  const clusterClient = () => {
    const client = cluster.client();
    clients.push(client);
    return client;
  };
  const nodeClient = (index: number) => {
    const client = cluster.nodeClient(index);
    clients.push(client);
    return client;
  };
  const track = <T extends { close(): Promise<void> }>(closable: T): T => {
    closables.push(closable);
    return closable;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);

  afterEach(async () => {
    await Promise.all(closables.splice(0).map((c) => c.close()));
    for (const client of clients.splice(0)) client.disconnect();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  backendConformance(
    'RedisBackend on a Cluster',
    () =>
      new RedisBackend({
        client: cluster.client(),
        ownsClient: true,
        keyPrefix: uniqueKeyPrefix('cl-conf'),
        scanCount: 100,
      }),
    { manyKeys: 1200 },
  );

  it('the cluster has 3 masters, each owning slots', async () => {
    const client = clusterClient();
    await client.ping();
    expect(client.nodes('master')).toHaveLength(3);
  });

  it('keys() and clear() cover every master: keys land on all 3, clear() empties each', async () => {
    const prefix = uniqueKeyPrefix('cl-spread');
    const backend = track(new RedisBackend({ client: clusterClient(), keyPrefix: prefix, scanCount: 50 }));
    const written = Array.from({ length: 300 }, (_, i) => `k${i}`);
    await backend.setMany(written.map((key) => ({ key, value: bytes(key), ttlMs: 60_000 })));
    const perNode = await Promise.all(
      [0, 1, 2].map(async (i) => (await keysOnNode(nodeClient(i), prefix)).length),
    );
    // CRC16 spreads 300 keys over the 3 slot ranges: every master holds some.
    for (const count of perNode) expect(count).toBeGreaterThan(0);
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(300);
    expect(await collect(backend.keys())).toEqual([...written].sort());
    expect(await collect(backend.keys('k1'))).toEqual(written.filter((k) => k.startsWith('k1')).sort());
    await backend.clear();
    const after = await Promise.all(
      [0, 1, 2].map(async (i) => (await keysOnNode(nodeClient(i), prefix)).length),
    );
    expect(after).toEqual([0, 0, 0]);
    expect(await collect(backend.keys())).toEqual([]);
  });

  it('getMany / setMany across slots (no CROSSSLOT error)', async () => {
    const backend = track(
      new RedisBackend({ client: clusterClient(), keyPrefix: uniqueKeyPrefix('cl-many') }),
    );
    const keys = Array.from({ length: 50 }, (_, i) => `m${i}`);
    await backend.setMany(keys.map((key) => ({ key, value: bytes(`v-${key}`), ttlMs: 60_000 })));
    const values = await backend.getMany([...keys, 'absent']);
    expect(values.map((v) => (v ? new TextDecoder().decode(v) : undefined))).toEqual([
      ...keys.map((k) => `v-${k}`),
      undefined,
    ]);
    await backend.clear();
  });

  it('a Cache on the Cluster: set / get / getMany / getOrSet / delete / clear', async () => {
    const prefix = uniqueCachePrefix('cl-cache');
    const backend = track(new RedisBackend({ client: clusterClient() }));
    const cache = track(createCache({ prefix, backend, l1: false }));
    await cache.set('a', { n: 1 });
    await cache.set(['user', 42], 'u42');
    expect(await cache.get('a')).toEqual({ n: 1 });
    expect(await cache.getMany(['a', ['user', 42], 'nope'])).toEqual([{ n: 1 }, 'u42', undefined]);
    let calls = 0;
    const produce = async () => {
      calls++;
      return 'made';
    };
    expect(await cache.getOrSet('p', produce)).toBe('made');
    expect(await cache.getOrSet('p', produce)).toBe('made');
    expect(calls).toBe(1);
    expect(await cache.delete('a')).toBe(true);
    expect(await cache.get('a')).toBeUndefined();
    await cache.clear();
    expect(await cache.get(['user', 42])).toBeUndefined();
    const left = await Promise.all([0, 1, 2].map((i) => keysOnNode(nodeClient(i), `${prefix}:`)));
    expect(left.flat()).toEqual([]);
  });

  it('tags: invalidateTags makes tagged entries on every master a miss, others stay', async () => {
    const prefix = uniqueCachePrefix('cl-tags');
    const backend = track(new RedisBackend({ client: clusterClient() }));
    const cache = track(createCache({ prefix, backend, l1: false }));
    const tagged = Array.from({ length: 30 }, (_, i) => `t${i}`);
    for (const key of tagged) await cache.set(key, key, { tags: ['report'] });
    await cache.set('untagged', 'stays', { tags: ['other'] });
    for (const key of tagged) expect(await cache.get(key)).toBe(key);
    await new Promise((r) => setTimeout(r, 2)); // the stamp must be later than the entries
    await cache.invalidateTags(['report']);
    for (const key of tagged) expect(await cache.get(key)).toBeUndefined();
    expect(await cache.get('untagged')).toBe('stays');
    // A fresh Cache instance (no local state) sees the invalidation too: it lives in the Cluster.
    const other = track(
      createCache({ prefix, backend: track(new RedisBackend({ client: clusterClient() })), l1: false }),
    );
    expect(await other.get('t0')).toBeUndefined();
    expect(await other.get('untagged')).toBe('stays');
  });

  it('a hash-tagged cache prefix keeps every key of the cache in one slot (one master)', async () => {
    const tag = uniqueCachePrefix('cl-ht');
    const prefix = `{${tag}}`;
    const backend = track(new RedisBackend({ client: clusterClient() }));
    const cache = track(createCache({ prefix, backend, l1: false }));
    for (let i = 0; i < 30; i++) await cache.set(`k${i}`, i);
    const perNode = await Promise.all(
      [0, 1, 2].map(async (i) => (await keysOnNode(nodeClient(i), prefix)).length),
    );
    expect(perNode.filter((n) => n > 0)).toEqual([30]);
    expect(await cache.getMany(['k0', 'k29'])).toEqual([0, 29]);
    await cache.clear();
    expect(await cache.get('k0')).toBeUndefined();
  });

  it('RedisLock on the Cluster: exclusive, token-checked, release wakes a waiter (pub/sub)', async () => {
    const keyPrefix = `${uniqueKeyPrefix('cl-lock')}`;
    const a = track(new RedisLock({ client: clusterClient(), keyPrefix }));
    const b = track(new RedisLock({ client: clusterClient(), keyPrefix }));
    const held = await a.tryAcquire('job', 10_000);
    expect(held).toBeDefined();
    expect(await b.tryAcquire('job', 10_000)).toBeUndefined();
    // Another key lives in another slot, probably on another master: independent.
    const other = await b.tryAcquire('other-job', 10_000);
    expect(other).toBeDefined();
    const waiting = b.waitForRelease('job', 8000);
    await new Promise((r) => setTimeout(r, 50)); // b is subscribed by now (or re-checks the key)
    const released = performance.now();
    expect(await held?.release()).toBe(true);
    expect(await waiting).toBe('released');
    // Woken by the notification, not by the 8 s timeout.
    expect(performance.now() - released).toBeLessThan(4000);
    expect(await held?.release()).toBe(false);
    const next = await b.tryAcquire('job', 10_000);
    expect(next).toBeDefined();
    expect(await next?.extend(20_000)).toBe(true);
    expect(await next?.release()).toBe(true);
    expect(await other?.release()).toBe(true);
  });

  it('getOrSet with the lock: 2 caches x 10 concurrent misses run the producer once', async () => {
    const prefix = uniqueCachePrefix('cl-stampede');
    const makeCache = () => {
      const client = clusterClient();
      return track(
        createCache({
          prefix,
          backend: track(new RedisBackend({ client })),
          lock: track(new RedisLock({ client, keyPrefix: `${prefix}:lock:` })),
          l1: false,
        }),
      );
    };
    const caches = [makeCache(), makeCache()];
    let calls = 0;
    const produce = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 100));
      return 'once';
    };
    const results = await Promise.all(
      caches.flatMap((cache) =>
        Array.from({ length: 10 }, () =>
          cache.getOrSet('hot', produce, { lock: { ttlMs: 5000, waitMs: 5000 } }),
        ),
      ),
    );
    expect(results.every((r) => r === 'once')).toBe(true);
    expect(calls).toBe(1);
  });

  it('AIResponseCache on the Cluster (redisClient): shared answers, invalidateOperation on every master', async () => {
    const prefix = uniqueCachePrefix('cl-ai');
    const make = () => track(new AIResponseCache({ redisClient: clusterClient(), prefix }));
    const writer = make();
    await writer.connect();
    const requests = Array.from({ length: 30 }, (_, i) => ({
      text: `document ${i}`,
      operation: 'summarize',
      options: { model: 'm' },
    }));
    for (const [i, request] of requests.entries())
      await writer.cacheResponse({ ...request, response: { i } });
    await writer.cacheResponse({ text: 'other', operation: 'translate', response: 'kept' });
    const reader = make();
    await reader.connect();
    for (const [i, request] of requests.entries()) expect(await reader.getResponse(request)).toEqual({ i });
    expect(reader.stats().l2Hits).toBe(30);
    expect(reader.stats().degraded).toBe(false);
    const perNode = await Promise.all(
      [0, 1, 2].map(async (i) => (await keysOnNode(nodeClient(i), prefix)).length),
    );
    for (const count of perNode) expect(count).toBeGreaterThan(0);
    await writer.invalidateOperation('summarize');
    const fresh = make();
    for (const request of requests) expect(await fresh.getResponse(request)).toBeUndefined();
    expect(await fresh.getResponse({ text: 'other', operation: 'translate' })).toBe('kept');
  });

  describe('L1 coherence between two processes through the bus', () => {
    const prefix = uniqueCachePrefix('cl-coherence');
    let a: ReturnType<typeof startWorker>;
    let b: ReturnType<typeof startWorker>;

    beforeAll(async () => {
      const ports = cluster.startupNodes.map((n) => n.port).join(',');
      a = startWorker(ports, prefix);
      b = startWorker(ports, prefix);
      await Promise.all([a.ready, b.ready]);
    }, 30_000);

    afterAll(async () => {
      await Promise.all([a?.send({ op: 'exit' }), b?.send({ op: 'exit' })]);
    });

    /** Reads `key` through B until B answers from L1 (at most 2 s). */
    const heldInL1 = async (key: string) => {
      expect(
        await becomes(async () => (await b.send({ op: 'lookup', key })).tier, 'l1', 2000),
        b.stderr(),
      ).toBe(true);
    };

    it('A sets a key B holds in L1: B reads the new value', async () => {
      await a.send({ op: 'set', key: 'k', value: 'v1' });
      await heldInL1('k');
      await a.send({ op: 'set', key: 'k', value: 'v2' });
      expect(
        await becomes(async () => (await b.send({ op: 'lookup', key: 'k' })).value, 'v2', 1000),
        b.stderr(),
      ).toBe(true);
    });

    it('A deletes a key B holds in L1: B stops serving it', async () => {
      await a.send({ op: 'set', key: 'gone', value: 'x' });
      await heldInL1('gone');
      await a.send({ op: 'delete', key: 'gone' });
      expect(await becomes(async () => (await b.send({ op: 'lookup', key: 'gone' })).value, null, 1000)).toBe(
        true,
      );
    });

    it('A invalidates a tag of an entry B holds in L1: B stops serving it', async () => {
      await a.send({ op: 'set', key: 'tagged', value: 'old', tags: ['report'] });
      await heldInL1('tagged');
      await new Promise((r) => setTimeout(r, 2));
      await a.send({ op: 'invalidateTags', tags: ['report'] });
      expect(
        await becomes(async () => (await b.send({ op: 'lookup', key: 'tagged' })).value, null, 1000),
      ).toBe(true);
    });
  });
});
