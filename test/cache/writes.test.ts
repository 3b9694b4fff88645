import { describe, expect, it } from 'vitest';
import { createLocalBusHub, LocalInvalidationBus } from '../../src/bus/index.js';
import { disabling } from '../../src/cache/disabling.js';
import { fromL1 } from '../../src/cache/reads.js';
import { keyBuilder } from '../../src/cache/scope.js';
import { clearScope, deleteFull, setFull, ttlMsOf } from '../../src/cache/writes.js';
import { ValidationError } from '../../src/errors.js';
import { fakeClock } from '../helpers/clock.js';
import { ControlledBackend } from '../helpers/health-backend.js';
import { readyScope, recordEvents } from './fixtures/scope.js';

describe('writes module', () => {
  it('setFull stores in L1 (a decoded copy) and in the backend, with the TTL plus grace as backend lifetime', async () => {
    const clock = fakeClock();
    const backend = new ControlledBackend();
    const s = await readyScope({ backend, bus: false, now: clock.now });
    const events = recordEvents(s, ['set']);
    const value = { a: [1, 2] };
    const { stored, result } = await setFull(
      s,
      'cache::k',
      value,
      { ttl: 1000, grace: 500, tags: ['t', 't'] },
      'set',
      undefined,
      true,
    );
    expect(stored).toEqual(value);
    expect(stored).not.toBe(value);
    expect(result).toMatchObject({ key: 'cache::k', compressed: false });
    expect(result.bytes).toBeGreaterThan(0);
    expect(s.core.l1?.peek('cache::k')).toMatchObject({
      createdAt: clock.now(),
      freshUntil: clock.now() + 1000,
      staleUntil: clock.now() + 1500,
      tags: ['t'],
    });
    expect(await backend.inner.get('cache::k')).toBeInstanceOf(Uint8Array);
    expect(events).toMatchObject([{ op: 'set', key: 'cache::k', tier: 'l2', bytes: result.bytes }]);
    expect(s.core.counters.sets).toBe(1);
  });

  it('setFull refuses undefined and unserializable values before writing anything', async () => {
    const backend = new ControlledBackend();
    const s = await readyScope({ backend, bus: false });
    await expect(setFull(s, 'cache::u', undefined, {})).rejects.toBeInstanceOf(ValidationError);
    await expect(setFull(s, 'cache::b', { n: 1n }, {})).rejects.toBeInstanceOf(ValidationError);
    expect(backend.calls).toEqual([]);
    expect(s.core.l1?.size).toBe(0);
  });

  it('a plain setFull defers the decoded L1 copy to its first read; the copy is of the value as it was set', async () => {
    const s = await readyScope({ backend: new ControlledBackend(), bus: false });
    const value = { items: [1, 2], text: 'a' };
    const { stored } = await setFull(s, 'cache::lazy', value, {});
    expect(stored).toBeUndefined();
    const entry = s.core.l1?.peek('cache::lazy');
    expect(entry?.decode).toBeTypeOf('function');
    expect(entry?.value).toBeUndefined();
    value.items.push(3); // the caller's object changes after the set: the entry does not
    const hit = fromL1(s, 'cache::lazy', 0);
    expect(hit?.value).toEqual({ items: [1, 2], text: 'a' });
    expect(hit?.value).not.toBe(value);
    expect(Object.isFrozen(hit?.value)).toBe(true); // default protection 'freeze'
    expect(entry?.decode).toBeUndefined(); // decoded once, kept
    expect(fromL1(s, 'cache::lazy', 0)?.value).toBe(hit?.value);
  });

  it('a custom serializer decodes the L1 copy at once, so a serializer that cannot read its output fails the set', async () => {
    const broken = {
      name: 'broken',
      serialize: (v: unknown) => new TextEncoder().encode(JSON.stringify(v)),
      deserialize: () => {
        throw new Error('cannot read');
      },
    };
    const s = await readyScope({ backend: new ControlledBackend(), bus: false, serializer: broken });
    await expect(setFull(s, 'cache::custom', { a: 1 }, {})).rejects.toThrow();
  });

  it('the latest call wins: a large set still compressing (worker thread) when a later set, delete or clear of its key comes writes nothing', async () => {
    const backend = new ControlledBackend();
    const s = await readyScope({ backend, bus: false });
    const large = { text: 'lorem ipsum dolor sit amet '.repeat(2000) }; // ~54 KB: compressed off the loop
    const first = setFull(s, 'cache::race', large, {});
    const second = setFull(s, 'cache::race', { small: true }, {});
    await Promise.all([first, second]);
    expect(fromL1(s, 'cache::race', 0)?.value).toEqual({ small: true });
    const bytes = await backend.inner.get('cache::race');
    expect(s.core.codec.decode(bytes as Uint8Array, 'cache::race').value).toEqual({ small: true });

    const pending = setFull(s, 'cache::gone', large, {});
    await deleteFull(s, 'cache::gone');
    await pending;
    expect(s.core.l1?.peek('cache::gone')).toBeUndefined();
    expect(await backend.inner.get('cache::gone')).toBeUndefined();

    const cleared = setFull(s, 'cache::cleared', large, {});
    await clearScope(s, await keyBuilder(s));
    await cleared;
    expect(await backend.inner.get('cache::cleared')).toBeUndefined();
    expect(s.core.writing.size).toBe(0); // nothing left behind
  });

  it('setFull with l1: false keeps the key out of L1; inside disabling([set]) nothing is written', async () => {
    const backend = new ControlledBackend();
    const s = await readyScope({ backend, bus: false });
    await setFull(s, 'cache::k', 1, {});
    await setFull(s, 'cache::k', 2, { l1: false });
    expect(s.core.l1?.peek('cache::k')).toBeUndefined();
    const before = backend.calls.length;
    const { result } = await disabling(['set'], () => setFull(s, 'cache::d', 3, {}));
    expect(result.bytes).toBe(0);
    expect(backend.calls.length).toBe(before);
  });

  it('deleteFull removes from both tiers, tells whether anything existed, and announces the delete', async () => {
    const hub = createLocalBusHub();
    const bus = new LocalInvalidationBus({ hub });
    const other = new LocalInvalidationBus({ hub });
    const heard: unknown[] = [];
    other.subscribe((m) => void heard.push(m));
    const backend = new ControlledBackend();
    const s = await readyScope({ backend, bus });
    await setFull(s, 'cache::k', 1, {});
    expect(await deleteFull(s, 'cache::k')).toBe(true);
    expect(await deleteFull(s, 'cache::k')).toBe(false);
    expect(await backend.inner.get('cache::k')).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toContainEqual({ type: 'delete', keys: ['cache::k'] });
    await bus.close();
    await other.close();
  });

  it('clearScope clears the namespace only, in both tiers', async () => {
    const backend = new ControlledBackend();
    const ns = await readyScope({ backend, bus: false }, ['ns']);
    const root = await readyScope({ backend, bus: false });
    await setFull(ns, 'cache:ns::a', 1, {});
    await setFull(root, 'cache::b', 2, {});
    await clearScope(ns, await keyBuilder(ns));
    expect(await backend.inner.get('cache:ns::a')).toBeUndefined();
    expect(await backend.inner.get('cache::b')).toBeInstanceOf(Uint8Array);
  });

  it('ttlMsOf: the default TTL when omitted, else the parsed value', async () => {
    const s = await readyScope({ ttl: '2m' });
    expect(ttlMsOf(s.core, undefined)).toBe(120_000);
    expect(ttlMsOf(s.core, '1s')).toBe(1000);
    expect(() => ttlMsOf(s.core, 'soon' as never)).toThrow(ValidationError);
  });
});
