import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ReadBatcher, type ReadCommands, type SendRead } from '../../src/backends/redis-reads.js';

/** A fake Redis holding `store`; records the commands sent; replies when `release()` is called. */
function fakeRedis(store: Record<string, string>) {
  const sent: string[] = [];
  const gates: (() => void)[] = [];
  const reply = <T>(value: T): Promise<T> => new Promise((resolve) => gates.push(() => resolve(value)));
  const commands = {
    getBuffer: (key: string) => {
      sent.push(`GET ${key}`);
      return reply(store[key] === undefined ? null : Buffer.from(store[key] as string));
    },
    mgetBuffer: (...keys: string[]) => {
      sent.push(`MGET ${keys.join(' ')}`);
      return reply(keys.map((key) => (store[key] === undefined ? null : Buffer.from(store[key] as string))));
    },
  } as unknown as ReadCommands;
  const send: SendRead = (command) => command(commands);
  const release = () => {
    for (const gate of gates.splice(0)) gate();
  };
  return { send, sent, release };
}

const text = (value: Uint8Array | undefined) => (value ? Buffer.from(value).toString() : undefined);

describe('ReadBatcher', () => {
  it('sends a read with nothing in flight at once, and batches reads issued while one is in flight', async () => {
    const redis = fakeRedis({ a: '1', b: '2', c: '3' });
    const batcher = new ReadBatcher(redis.send, true);
    const first = batcher.get('a');
    expect(redis.sent).toEqual(['GET a']);
    expect(batcher.inFlight).toBe(1);
    const second = batcher.get('b');
    const third = batcher.get('missing');
    const fourth = batcher.get('c');
    await Promise.resolve();
    expect(redis.sent).toEqual(['GET a', 'MGET b missing c']);
    redis.release();
    expect((await Promise.all([first, second, third, fourth])).map(text)).toEqual(['1', '2', undefined, '3']);
    await Promise.resolve();
    expect(batcher.inFlight).toBe(0);
  });

  it('sends a batch of one as a GET, and never batches when batching is off', async () => {
    const redis = fakeRedis({ a: '1', b: '2' });
    const batcher = new ReadBatcher(redis.send, true);
    const a = batcher.get('a');
    const b = batcher.get('b');
    await Promise.resolve();
    expect(redis.sent).toEqual(['GET a', 'GET b']);
    redis.release();
    expect((await Promise.all([a, b])).map(text)).toEqual(['1', '2']);

    const cluster = fakeRedis({ a: '1', b: '2' });
    const unbatched = new ReadBatcher(cluster.send, false);
    const reads = [unbatched.get('a'), unbatched.get('b'), unbatched.get('a')];
    await Promise.resolve();
    expect(cluster.sent).toEqual(['GET a', 'GET b', 'GET a']);
    cluster.release();
    expect((await Promise.all(reads)).map(text)).toEqual(['1', '2', '1']);
  });

  it('rejects every waiter of a failed MGET with its error', async () => {
    const failure = new Error('down');
    let calls = 0;
    let releaseFirst: () => void = () => {};
    const send: SendRead = <T>() => {
      calls++;
      if (calls === 1) return new Promise<T>((resolve) => (releaseFirst = () => resolve(null as T)));
      return Promise.reject(failure);
    };
    const batcher = new ReadBatcher(send, true);
    const first = batcher.get('a');
    const batched = [batcher.get('b'), batcher.get('c')];
    await expect(Promise.all(batched)).rejects.toBe(failure);
    releaseFirst();
    await expect(first).resolves.toBeUndefined();
  });
});
