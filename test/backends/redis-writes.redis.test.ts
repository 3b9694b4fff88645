import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { type SendWrite, WriteBatcher, type WriteCommand } from '../../src/backends/redis-writes.js';
import { describeRedis, uniqueKeyPrefix } from '../helpers/redis.js';

const bytes = (text: string) => Buffer.from(text);

describeRedis('WriteBatcher against the shared redis-server', (url) => {
  let client: Redis;
  let pipelines: number[];
  let singles: number;
  const prefix = uniqueKeyPrefix('writes');

  beforeAll(async () => {
    client = new Redis(url);
    await client.ping();
    // Count what goes out: each pipeline with its length, and commands sent alone.
    const pipeline = client.pipeline.bind(client);
    client.pipeline = ((...args: Parameters<Redis['pipeline']>) => {
      const p = pipeline(...args);
      const exec = p.exec.bind(p);
      p.exec = (() => {
        pipelines.push(p.length);
        return exec();
      }) as typeof p.exec;
      return p;
    }) as Redis['pipeline'];
  });
  afterAll(async () => {
    await client.quit();
  });

  const send: SendWrite = (_op, command) => {
    return command(client);
  };
  const setOf = (key: string, value: string, px = 60_000): WriteCommand<unknown> => ({
    op: 'set',
    single: (c) => {
      singles++;
      return c.set(key, value, 'PX', px);
    },
    queue: (p) => p.set(key, value, 'PX', px),
  });
  const unlinkOf = (key: string): WriteCommand<number> => ({
    op: 'delete',
    single: (c) => {
      singles++;
      return c.unlink(key);
    },
    queue: (p) => p.unlink(key),
  });

  it('sends a write with nothing in flight at once, and pipelines the writes issued while one is in flight', async () => {
    pipelines = [];
    singles = 0;
    const batcher = new WriteBatcher(send, true);
    const writes = Array.from({ length: 10 }, (_, i) => batcher.write(setOf(`${prefix}:a${i}`, `v${i}`)));
    expect(singles).toBe(1);
    expect(batcher.inFlight).toBe(1);
    await Promise.all(writes);
    expect(pipelines).toEqual([9]);
    expect(await client.mget(Array.from({ length: 10 }, (_, i) => `${prefix}:a${i}`))).toEqual(
      Array.from({ length: 10 }, (_, i) => `v${i}`),
    );
    expect(batcher.inFlight).toBe(0);
  });

  it('keeps the order of writes: set then delete, issued without awaiting, leaves the key deleted (and the reverse, set)', async () => {
    const batcher = new WriteBatcher(send, true);
    const k = `${prefix}:order`;
    await Promise.all([
      batcher.write(setOf(`${prefix}:warm`, 'x')),
      batcher.write(setOf(k, '1')),
      batcher.write(unlinkOf(k)),
    ]);
    expect(await client.exists(k)).toBe(0);
    await Promise.all([
      batcher.write(unlinkOf(k)),
      batcher.write(setOf(k, '2')),
      batcher.write(setOf(k, '3')),
    ]);
    expect(await client.get(k)).toBe('3');
  });

  it('a command Redis refuses inside a pipeline fails alone, with the error of an unbatched send; the others are written', async () => {
    const batcher = new WriteBatcher(send, true);
    const first = batcher.write(setOf(`${prefix}:r0`, 'ok'));
    const refused = batcher.write(setOf(`${prefix}:r1`, 'bad', -5)); // ERR invalid expire time
    const third = batcher.write(setOf(`${prefix}:r2`, 'ok'));
    await expect(refused).rejects.toThrow(/invalid expire time/);
    await Promise.all([first, third]);
    expect(await client.mget(`${prefix}:r0`, `${prefix}:r1`, `${prefix}:r2`)).toEqual(['ok', null, 'ok']);
  });

  it('never batches when batching is off (a Cluster)', async () => {
    pipelines = [];
    singles = 0;
    const batcher = new WriteBatcher(send, false);
    await Promise.all(Array.from({ length: 5 }, (_, i) => batcher.write(setOf(`${prefix}:c${i}`, 'v'))));
    expect(pipelines).toEqual([]);
    expect(singles).toBe(5);
  });

  it('RedisBackend: 64 concurrent sets and deletes of one key end with the last call, and every value is written', async () => {
    const backend = new RedisBackend({ url, keyPrefix: `${prefix}:be:` });
    try {
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 64; i++) ops.push(backend.set(`k${i}`, bytes(`v${i}`), 60_000));
      for (let i = 0; i < 63; i++) ops.push(backend.set('last', bytes(`v${i}`), 60_000));
      ops.push(backend.delete('last'));
      ops.push(backend.set('last', bytes('final'), 60_000));
      await Promise.all(ops);
      expect(Buffer.from((await backend.get('last')) as Uint8Array).toString()).toBe('final');
      const values = await backend.getMany(Array.from({ length: 64 }, (_, i) => `k${i}`));
      expect(values.map((v) => Buffer.from(v as Uint8Array).toString())).toEqual(
        Array.from({ length: 64 }, (_, i) => `v${i}`),
      );
    } finally {
      await backend.close();
    }
  });
});
