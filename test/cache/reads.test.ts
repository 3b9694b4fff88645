import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { disabling } from '../../src/cache/disabling.js';
import { fastGet, fromL1, getMany, has, lookupFull, NOT_FAST, peekL1 } from '../../src/cache/reads.js';
import { invalidateTags } from '../../src/cache/tags.js';
import { setFull } from '../../src/cache/writes.js';
import { fakeClock } from '../helpers/clock.js';
import { ControlledBackend } from '../helpers/health-backend.js';
import { readyScope, recordEvents } from './fixtures/scope.js';

describe('reads module', () => {
  it('fastGet answers a fresh untagged L1 entry synchronously, and steps aside otherwise', async () => {
    const clock = fakeClock();
    const s = await readyScope({ now: clock.now });
    await setFull(s, 'cache::a', { n: 1 }, { ttl: 1000 });
    await setFull(s, 'cache::t', 2, { ttl: 1000, tags: ['x'] });
    expect(fastGet(s, 'cache::a')).toEqual({ n: 1 });
    expect(s.core.counters).toMatchObject({ hits: 1, l1Hits: 1 });
    expect(fastGet(s, 'cache::t')).toBe(NOT_FAST);
    expect(fastGet(s, 'cache::none')).toBe(NOT_FAST);
    expect(disabling(['get'], () => fastGet(s, 'cache::a'))).toBe(NOT_FAST);
    const off = s.core.emitter.on('hit', () => {});
    expect(fastGet(s, 'cache::a')).toBe(NOT_FAST);
    off();
    expect(fastGet(s, 'cache::a')).toEqual({ n: 1 });
    clock.advance(1000);
    expect(fastGet(s, 'cache::a')).toBe(NOT_FAST);
  });

  it('fromL1: fresh hits, stale entries only with allowStale, expired entries dropped, tag-invalidated ones deleted', async () => {
    const clock = fakeClock();
    const s = await readyScope({ now: clock.now });
    await setFull(s, 'cache::g', 'v', { ttl: 1000, grace: 1000 });
    await setFull(s, 'cache::t', 'v', { ttl: 1000, tags: ['x'] });
    expect(fromL1(s, 'cache::g', 0)).toMatchObject({ value: 'v', tier: 'l1', stale: false });
    clock.advance(1);
    await invalidateTags(s, ['x']);
    expect(fromL1(s, 'cache::t', 0)).toBeUndefined();
    expect(s.core.l1?.peek('cache::t')).toBeUndefined();
    clock.advance(1500);
    expect(fromL1(s, 'cache::g', 0)).toBeUndefined();
    expect(fromL1(s, 'cache::g', 0, true)).toMatchObject({ value: 'v', stale: true });
    clock.advance(1000);
    expect(fromL1(s, 'cache::g', 0, true)).toBeUndefined();
    expect(s.core.l1?.peek('cache::g')).toBeUndefined();
  });

  it('lookupFull reads L2 on an L1 miss and promotes (unless told not to)', async () => {
    const backend = new MemoryBackend();
    const writer = await readyScope({ backend, bus: false });
    await setFull(writer, 'cache::k', [1, 2], {});
    const s = await readyScope({ backend, bus: false });
    const events = recordEvents(s, ['hit', 'miss']);
    expect(await lookupFull(s, 'cache::k', false)).toMatchObject({ value: [1, 2], tier: 'l2' });
    expect(s.core.l1?.peek('cache::k')).toBeUndefined();
    expect(await lookupFull(s, 'cache::k')).toMatchObject({ tier: 'l2' });
    expect(await lookupFull(s, 'cache::k')).toMatchObject({ tier: 'l1' });
    expect(await lookupFull(s, 'cache::missing')).toBeUndefined();
    expect(events.map((e) => [e.type, e.tier])).toEqual([
      ['hit', 'l2'],
      ['hit', 'l2'],
      ['hit', 'l1'],
      ['miss', 'none'],
    ]);
  });

  it('getMany answers from L1 first and reads the rest in one batch, in order', async () => {
    const backend = new ControlledBackend();
    const writer = await readyScope({ backend, bus: false });
    await setFull(writer, 'cache::b', 'B', {});
    const s = await readyScope({ backend, bus: false });
    await setFull(s, 'cache::a', 'A', {});
    backend.calls.length = 0;
    expect(await getMany(s, ['cache::a', 'cache::b', 'cache::c'])).toEqual(['A', 'B', undefined]);
    expect(backend.calls).toEqual([{ op: 'getMany', key: 'cache::b' }]);
  });

  it('has reads only the entry header in L2 and honours freshness', async () => {
    const clock = fakeClock();
    const backend = new MemoryBackend({ now: clock.now });
    const writer = await readyScope({ backend, bus: false, now: clock.now });
    await setFull(writer, 'cache::k', 'v', { ttl: 1000, grace: 5000 });
    const s = await readyScope({ backend, bus: false, now: clock.now, l1: false });
    expect(await has(s, 'cache::k')).toBe(true);
    clock.advance(1000);
    expect(await has(s, 'cache::k')).toBe(false);
    expect(await has(s, 'cache::none')).toBe(false);
  });

  it('peekL1 builds the key and answers from L1 only, never before the key builder is loaded', async () => {
    const s = await readyScope();
    await setFull(s, 'cache::k', 1, {});
    expect(peekL1(s, 'k')).toMatchObject({ value: 1, tier: 'l1' });
    expect(peekL1(s, 'other')).toBeUndefined();
    expect(peekL1({ ...s, keys: undefined }, 'k')).toBeUndefined();
  });
});
