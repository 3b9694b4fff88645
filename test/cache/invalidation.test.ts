import { describe, expect, it } from 'vitest';
import { createLocalBusHub, LocalInvalidationBus } from '../../src/bus/index.js';
import { disabling } from '../../src/cache/disabling.js';
import { announce, applyInvalidation, attachBus } from '../../src/cache/invalidation.js';
import { setFull } from '../../src/cache/writes.js';
import { fakeClock } from '../helpers/clock.js';
import { readyScope } from './fixtures/scope.js';

describe('invalidation module', () => {
  it('applyInvalidation drops deleted keys and cleared prefixes from L1 and raises tag stamps', async () => {
    const s = await readyScope({ bus: false });
    const l1 = s.core.l1;
    await setFull(s, 'cache::a', 1, {});
    await setFull(s, 'cache::b', 2, {});
    await setFull(s, 'cache:ns::c', 3, {});
    applyInvalidation(s.core, { type: 'delete', keys: ['cache::a'] });
    expect(l1?.peek('cache::a')).toBeUndefined();
    expect(l1?.peek('cache::b')).toBeDefined();
    applyInvalidation(s.core, { type: 'clear', prefix: 'cache:ns:' });
    expect(l1?.peek('cache:ns::c')).toBeUndefined();
    expect(l1?.peek('cache::b')).toBeDefined();
    applyInvalidation(s.core, { type: 'tags', tags: ['#t'], at: 5 });
    applyInvalidation(s.core, { type: 'tags', tags: ['#t'], at: 3 });
    expect(s.core.tagStamps.get('#t')).toBe(5);
    expect(s.core.invalidations).toBe(4);
  });

  it('attachBus applies messages from other processes; a reconnect drops L1, a disconnect caps lifetimes', async () => {
    const clock = fakeClock();
    const hub = createLocalBusHub();
    const mine = new LocalInvalidationBus({ hub });
    const other = new LocalInvalidationBus({ hub });
    const s = await readyScope({ bus: false, now: clock.now, l1: { maxStaleness: 1000 } });
    attachBus(s.core, mine);
    await setFull(s, 'cache::a', 1, { ttl: '1h' });
    await setFull(s, 'cache::b', 2, { ttl: '1h' });
    await other.publish({ type: 'delete', keys: ['cache::a'] });
    expect(s.core.l1?.peek('cache::a')).toBeUndefined();
    mine.setConnected(false);
    expect(s.core.l1?.peek('cache::b')?.freshUntil).toBe(clock.now() + 1000);
    mine.setConnected(true);
    expect(s.core.l1?.peek('cache::b')).toBeUndefined();
  });

  it('announce publishes on the bus, except inside disabling([set])', async () => {
    const hub = createLocalBusHub();
    const mine = new LocalInvalidationBus({ hub });
    const other = new LocalInvalidationBus({ hub });
    const received: unknown[] = [];
    other.subscribe((m) => void received.push(m));
    const s = await readyScope({ bus: mine });
    announce(s.core, { type: 'delete', keys: ['cache::x'] });
    disabling(['set'], () => announce(s.core, { type: 'delete', keys: ['cache::y'] }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toMatchObject([{ type: 'delete', keys: ['cache::x'] }]);
    await mine.close();
    await other.close();
  });
});
