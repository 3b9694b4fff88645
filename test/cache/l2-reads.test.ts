import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { acceptL2, readL2, rejectEntry } from '../../src/cache/l2-reads.js';
import { setFull } from '../../src/cache/writes.js';
import { ControlledBackend } from '../helpers/health-backend.js';
import { readyScope, recordEvents } from './fixtures/scope.js';

describe('l2-reads module', () => {
  it('acceptL2 rejects a corrupt entry: a miss, an error event and a delete', async () => {
    const backend = new MemoryBackend();
    const s = await readyScope({ backend, bus: false, errorEvents: { intervalMs: 0 } });
    const errors = recordEvents(s, ['error']);
    const junk = new Uint8Array([1, 2, 3, 4, 5]);
    await backend.set('cache::bad', junk, 10_000);
    expect(acceptL2(s, 'cache::bad', junk, s.core.now())).toBeUndefined();
    expect(acceptL2(s, 'cache::bad', undefined, s.core.now())).toBeUndefined();
    expect(s.core.counters.l2Misses).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors[0]).toMatchObject({ op: 'decode', key: 'cache::bad' });
    expect(await backend.get('cache::bad')).toBeUndefined();
  });

  it('readL2 never rejects: a failed read is undefined and degrades the cache', async () => {
    const backend = new ControlledBackend();
    const s = await readyScope({ backend, bus: false, errorEvents: { intervalMs: 0 } });
    backend.fault = () => new Error('ECONNRESET');
    expect(await readL2(s, 'cache::k')).toBeUndefined();
    expect(s.core.degraded).toBe(true);
  });

  it('acceptL2 decodes and promotes a fresh entry into L1, and not when told not to', async () => {
    const backend = new MemoryBackend();
    const writer = await readyScope({ backend, bus: false });
    await setFull(writer, 'cache::k', { v: 1 }, { tags: ['t'] });
    const bytes = await backend.get('cache::k');
    const s = await readyScope({ backend, bus: false });
    expect(acceptL2(s, 'cache::k', bytes, s.core.now(), false)).toMatchObject({
      value: { v: 1 },
      tier: 'l2',
      tags: ['t'],
    });
    expect(s.core.l1?.peek('cache::k')).toBeUndefined();
    acceptL2(s, 'cache::k', bytes, s.core.now());
    expect(s.core.l1?.peek('cache::k')).toMatchObject({ value: { v: 1 }, tags: ['t'] });
    expect(s.core.counters).toMatchObject({ l2Hits: 2, hits: 2 });
  });

  it('readL2 falls back on a connection failure when a fallback is configured', async () => {
    const backend = new ControlledBackend();
    const fallback = new MemoryBackend();
    await fallback.set('cache::k', new Uint8Array([9]), 10_000);
    const s = await readyScope({ backend, fallback, bus: false, fallbackWarning: false });
    backend.fault = () => new Error('ECONNRESET');
    expect(await readL2(s, 'cache::k')).toEqual(new Uint8Array([9]));
  });

  it('rejectEntry reports the failure kind and deletes the entry', async () => {
    const backend = new MemoryBackend();
    const s = await readyScope({ backend, bus: false, errorEvents: { intervalMs: 0 } });
    const errors = recordEvents(s, ['error']);
    await backend.set('cache::x', new Uint8Array([1]), 10_000);
    rejectEntry(s, 'cache::x', new Error('whatever'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toMatchObject([{ op: 'decode', key: 'cache::x' }]);
    expect(errors[0]?.detail).toHaveProperty('reason');
    expect(await backend.get('cache::x')).toBeUndefined();
  });
});
