import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { createLocalBusHub } from '../../src/bus/index.js';
import { createCache, ValidationError } from '../../src/index.js';
import { fakeClock } from '../helpers/clock.js';

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('tags', () => {
  it('invalidateTags makes every entry with one of the tags a miss, in every namespace, and nothing else', async () => {
    const clock = fakeClock();
    const cache = createCache({ backend: new MemoryBackend(), now: clock.now });
    const posts = cache.namespace('posts');
    await cache.set('user:1', { name: 'a' }, { tags: ['user:1'] });
    await posts.set('p1', { title: 't' }, { tags: ['user:1', 'posts'] });
    await posts.set('p2', { title: 'u' }, { tags: ['posts'] });
    await cache.set('plain', 1);
    clock.advance(1);
    await cache.invalidateTags(['user:1']);
    expect(await cache.get('user:1')).toBeUndefined();
    expect(await posts.get('p1')).toBeUndefined();
    expect(await posts.get('p2')).toEqual({ title: 'u' });
    expect(await cache.get('plain')).toBe(1);
    clock.advance(1);
    await cache.set('user:1', { name: 'b' }, { tags: ['user:1'] }); // written after: served
    expect(await cache.get('user:1')).toEqual({ name: 'b' });
  });

  it('an entry read from L2 by another cache (empty L1) honours stamps written by a third one', async () => {
    const clock = fakeClock();
    const backend = new MemoryBackend();
    const writer = createCache({ backend, now: clock.now });
    const invalidator = createCache({ backend, now: clock.now });
    const reader = createCache({ backend, now: clock.now, l1: false });
    await writer.set('k', 'v', { tags: ['t'] });
    expect(await reader.get('k')).toBe('v');
    clock.advance(1);
    await invalidator.invalidateTags(['t']);
    expect(await reader.get('k')).toBeUndefined();
    expect(await reader.getMany(['k'])).toEqual([undefined]);
  });

  it('getOrSet stores tags too', async () => {
    const clock = fakeClock();
    const cache = createCache({ now: clock.now });
    let calls = 0;
    const produce = () => ++calls;
    await cache.getOrSet('k', produce, { tags: ['x'] });
    await cache.getOrSet('k', produce, { tags: ['x'] });
    clock.advance(1);
    await cache.invalidateTags(['x']);
    await cache.getOrSet('k', produce, { tags: ['x'] });
    expect(calls).toBe(2);
  });

  it('rejects invalid tags with a ValidationError listing each', async () => {
    const cache = createCache();
    const error = await cache.set('k', 1, { tags: ['ok', '', 3 as never] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['tags.1', 'tags.2']);
  });
});

describe('L1 coherence through an invalidation bus', () => {
  function twoProcesses() {
    const clock = fakeClock();
    const backend = new MemoryBackend();
    const hub = createLocalBusHub();
    const busA = hub.createBus();
    const busB = hub.createBus();
    const a = createCache({ backend, now: clock.now, bus: busA });
    const b = createCache({ backend, now: clock.now, bus: busB, l1: { maxStaleness: 1000 } });
    return { a, b, busA, busB, clock };
  }

  it('a set or delete in one cache drops the stale L1 copy in the other', async () => {
    const { a, b } = twoProcesses();
    await a.set('k', 'v1');
    expect(await b.get('k')).toBe('v1');
    expect((await b.lookup('k'))?.tier).toBe('l1');
    await a.set('k', 'v2');
    await flush();
    expect(await b.lookup('k')).toMatchObject({ tier: 'l2', value: 'v2' });
    await a.delete('k');
    await flush();
    expect(await b.get('k')).toBeUndefined();
  });

  it('a clear or tag invalidation in one cache reaches the L1 of the other', async () => {
    const { a, b, clock } = twoProcesses();
    await a.namespace('n').set('x', 1);
    await a.set('tagged', 2, { tags: ['t'] });
    expect(await b.namespace('n').get('x')).toBe(1);
    expect(await b.get('tagged')).toBe(2);
    clock.advance(1);
    await a.namespace('n').clear();
    await a.invalidateTags(['t']);
    await flush();
    expect(await b.namespace('n').get('x')).toBeUndefined();
    expect(await b.get('tagged')).toBeUndefined();
  });

  it('while the bus is down L1 lifetimes are capped by maxStaleness; when it is back L1 is dropped', async () => {
    const { b, busB, clock } = twoProcesses();
    await b.set('k', 'v', { ttl: '1h' });
    busB.setConnected(false);
    clock.advance(999);
    expect((await b.lookup('k'))?.tier).toBe('l1');
    clock.advance(1);
    expect((await b.lookup('k'))?.tier).toBe('l2'); // capped in L1, still in L2
    await b.set('k2', 'v', { ttl: '1h' });
    busB.setConnected(true);
    expect((await b.lookup('k2'))?.tier).toBe('l2');
  });
});
