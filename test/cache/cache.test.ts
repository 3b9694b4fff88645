import { describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import type { CacheBackend } from '../../src/backends/types.js';
import { SerializationError, ValidationError } from '../../src/errors.js';
import { type CacheEvent, type CacheOptions, createCache } from '../../src/index.js';
import { fakeClock } from '../helpers/clock.js';

function setup(options: CacheOptions = {}) {
  const clock = fakeClock();
  const backend = new MemoryBackend();
  const cache = createCache({ backend, now: clock.now, ...options });
  const events: CacheEvent[] = [];
  for (const name of ['hit', 'miss', 'set', 'delete', 'error', 'clear'] as const)
    cache.on(name, (e) => events.push(e));
  return { cache, backend, clock, events };
}

/** A backend whose every call fails, to prove failures never reach the caller. */
function brokenBackend(): CacheBackend {
  const fail = async () => {
    throw new Error('backend down');
  };
  return {
    name: 'broken',
    get: fail,
    set: fail,
    delete: fail,
    has: fail,
    clear: fail,
    keys: () => ({
      [Symbol.asyncIterator]: () => ({ next: fail }),
    }),
    getMany: fail,
    close: async () => {},
  };
}

describe('Cache: get / set / delete / has', () => {
  it('roundtrips values through both tiers and reports the tier', async () => {
    const { cache } = setup();
    await cache.set('a', { n: 1, list: [1, 2, 3] });
    expect(await cache.get('a')).toEqual({ n: 1, list: [1, 2, 3] });
    expect((await cache.lookup('a'))?.tier).toBe('l1');
    expect(await cache.get('missing')).toBeUndefined();
  });

  it('caches null but refuses undefined with a ValidationError, writing nothing', async () => {
    const { cache, backend } = setup();
    await cache.set('n', null);
    expect(await cache.lookup('n')).toMatchObject({ value: null });
    await expect(cache.set('u', undefined)).rejects.toBeInstanceOf(ValidationError);
    expect(backend.size).toBe(1);
  });

  it('rejects values that cannot be serialized and invalid TTLs with ValidationError', async () => {
    const { cache, backend } = setup();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(cache.set('c', circular)).rejects.toBeInstanceOf(ValidationError);
    await expect(cache.set('b', 1n)).rejects.toBeInstanceOf(ValidationError);
    await expect(cache.set('t', 1, { ttl: 'soon' })).rejects.toThrow(/Invalid TTL/);
    await expect(cache.set('t', 1, { ttl: -5 })).rejects.toBeInstanceOf(ValidationError);
    expect(backend.size).toBe(0);
  });

  it('expires entries by the injected clock in both tiers', async () => {
    const { cache, clock } = setup({ ttl: '10s' });
    await cache.set('a', 1);
    await cache.set('b', 2, { ttl: 50 });
    clock.advance(49);
    expect(await cache.get('b')).toBe(2);
    clock.advance(1);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.has('b')).toBe(false);
    expect(await cache.has('a')).toBe(true);
    clock.advance(10_000);
    expect(await cache.get('a')).toBeUndefined();
  });

  it('writes the physical TTL to the backend', async () => {
    const backend = new MemoryBackend();
    const spy = vi.spyOn(backend, 'set');
    const cache = createCache({ backend });
    await cache.set('a', 1, { ttl: '2h' });
    expect(spy.mock.calls[0]?.[2]).toBe(7_200_000);
  });

  it('deletes from both tiers, idempotently', async () => {
    const { cache, backend } = setup();
    await cache.set('a', 1);
    expect(await cache.delete('a')).toBe(true);
    expect(await cache.delete('a')).toBe(false);
    expect(await cache.get('a')).toBeUndefined();
    expect(backend.size).toBe(0);
  });

  it('accepts composite keys that cannot collide with escaped strings', async () => {
    const { cache } = setup();
    await cache.set(['user', 'a:b'], 1);
    await cache.set(['user:a', 'b'], 2);
    await cache.set('user:a:b', 3);
    expect(await cache.get(['user', 'a:b'])).toBe(1);
    expect(await cache.get(['user:a', 'b'])).toBe(2);
    expect(await cache.get('user:a:b')).toBe(3);
    expect(await cache.fullKey(['user', 42])).toBe('cache::user:42');
  });

  it('hashes keys that are too long while keeping them distinct', async () => {
    const { cache } = setup({ maxKeyLength: 64 });
    const long1 = 'x'.repeat(500);
    const long2 = `${'x'.repeat(499)}y`;
    await cache.set(long1, 1);
    await cache.set(long2, 2);
    expect((await cache.fullKey(long1)).length).toBeLessThanOrEqual(64);
    expect(await cache.get(long1)).toBe(1);
    expect(await cache.get(long2)).toBe(2);
  });
});

describe('Cache: L1 tier', () => {
  it('promotes L2 hits into L1 and never outlives the L2 entry', async () => {
    const clock = fakeClock();
    const backend = new MemoryBackend();
    const writer = createCache({ backend, now: clock.now, l1: false });
    const reader = createCache({ backend, now: clock.now });
    await writer.set('k', { v: 1 }, { ttl: 1000 });
    expect((await reader.lookup('k'))?.tier).toBe('l2');
    expect((await reader.lookup('k'))?.tier).toBe('l1');
    clock.advance(1000);
    expect(await reader.lookup('k')).toBeUndefined();
    const s = reader.stats();
    expect(s.l1.hits).toBe(1);
    expect(s.l2.hits).toBe(1);
    expect(s.misses).toBe(1);
  });

  it('caps the L1 lifetime with l1.ttl', async () => {
    const clock = fakeClock();
    const backend = new MemoryBackend();
    const cache = createCache({ backend, now: clock.now, l1: { ttl: 100 }, ttl: '1h' });
    await cache.set('k', 1);
    expect((await cache.lookup('k'))?.tier).toBe('l1');
    clock.advance(100);
    expect((await cache.lookup('k'))?.tier).toBe('l2');
  });

  it('is bounded by entries and by bytes, and skips entries above maxEntryBytes', async () => {
    const cache = createCache({ l1: { maxEntries: 3, maxBytes: 10_000, maxEntryBytes: 2_000 } });
    for (let i = 0; i < 10; i++) await cache.set(`e${i}`, i);
    expect(cache.stats().l1.entries).toBe(3);
    const big = createCache({ l1: { maxEntries: 1000, maxBytes: 10_000, maxEntryBytes: 2_000 } });
    for (let i = 0; i < 20; i++) await big.set(`b${i}`, 'x'.repeat(1_000));
    expect(big.stats().l1.bytes).toBeLessThanOrEqual(10_000);
    expect(big.stats().l1.entries).toBeLessThan(20);
    await big.set('huge', 'y'.repeat(5_000));
    expect(await big.get('huge')).toBeUndefined();
  });

  it('keeps the caller-side object out of L1 and freezes its own copy by default', async () => {
    const { cache } = setup();
    const original = { list: [1], when: new Date(0) };
    await cache.set('k', original);
    original.list.push(2);
    const read = await cache.get<{ list: number[]; when: string }>('k');
    // What L1 returns is what L2 would return: a JSON copy.
    expect(read).toEqual({ list: [1], when: '1970-01-01T00:00:00.000Z' });
    expect(Object.isFrozen(read)).toBe(true);
    expect(() => read?.list.push(3)).toThrow(TypeError);
  });

  it("returns a private copy on every hit with protection: 'copy'", async () => {
    const { cache } = setup({ l1: { protection: 'copy' } });
    await cache.set('k', { list: [1] });
    const a = await cache.get<{ list: number[] }>('k');
    a?.list.push(2);
    expect(await cache.get('k')).toEqual({ list: [1] });
  });

  it('sets with l1: false keep the entry in the backend only', async () => {
    const { cache } = setup();
    await cache.set('k', 1, { l1: false });
    expect((await cache.lookup('k', { promote: false }))?.tier).toBe('l2');
    expect((await cache.lookup('k'))?.tier).toBe('l2');
    expect((await cache.lookup('k'))?.tier).toBe('l1');
  });

  it('works with no backend at all (L1 only)', async () => {
    const cache = createCache();
    await cache.set('a', 'x');
    expect(await cache.get('a')).toBe('x');
    expect(cache.stats().l2.backend).toBeUndefined();
  });
});

describe('Cache: getOrSet', () => {
  it('calls the producer once for N concurrent misses and shares the value', async () => {
    const { cache } = setup();
    let calls = 0;
    const producer = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return { answer: 42 };
    };
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.getOrSet('q', producer)));
    expect(calls).toBe(1);
    for (const r of results) expect(r).toEqual({ answer: 42 });
    expect(await cache.getOrSet('q', producer)).toEqual({ answer: 42 });
    expect(calls).toBe(1);
  });

  it('propagates a producer error to every waiter and caches nothing', async () => {
    const { cache, backend } = setup();
    let calls = 0;
    const boom = new Error('upstream failed');
    const producer = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      throw boom;
    };
    const settled = await Promise.allSettled(Array.from({ length: 10 }, () => cache.getOrSet('q', producer)));
    expect(calls).toBe(1);
    for (const s of settled) expect(s).toMatchObject({ status: 'rejected', reason: boom });
    expect(backend.size).toBe(0);
    expect(await cache.getOrSet('q', () => 'ok')).toBe('ok');
  });

  it('handles a producer that throws synchronously', async () => {
    const { cache } = setup();
    await expect(
      cache.getOrSet('s', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(await cache.getOrSet('s', () => 1)).toBe(1);
  });

  it('refuses an undefined result with a ValidationError', async () => {
    const { cache } = setup();
    await expect(cache.getOrSet('u', () => undefined)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('Cache: namespaces and clear', () => {
  it('nests namespaces and clears only its own', async () => {
    const { cache } = setup({ prefix: 'app' });
    const a = cache.namespace('tenant-a');
    const users = a.namespace('users');
    const b = cache.namespace('tenant-b');
    await users.set('1', 'alice');
    await a.set('x', 1);
    await b.set('x', 2);
    await cache.set('root', 0);
    expect(await users.fullKey('1')).toBe('app:tenant-a:users::1');
    await a.clear();
    expect(await users.get('1')).toBeUndefined();
    expect(await a.get('x')).toBeUndefined();
    expect(await b.get('x')).toBe(2);
    expect(await cache.get('root')).toBe(0);
    await cache.clear();
    expect(await b.get('x')).toBeUndefined();
  });

  it('rejects invalid namespace names', () => {
    const { cache } = setup();
    expect(() => cache.namespace('a:b')).toThrow(ValidationError);
    expect(() => cache.namespace('')).toThrow(ValidationError);
  });
});

describe('Cache: failures never reach the caller', () => {
  it('turns backend failures into misses, dropped writes and error events', async () => {
    // One event per failure here (no rate limiting): see test/cache/failures.test.ts for the limiter.
    const cache = createCache({ backend: brokenBackend(), errorEvents: { intervalMs: 0 } });
    const errors: CacheEvent[] = [];
    const degraded: CacheEvent[] = [];
    cache.on('error', (e) => errors.push(e));
    cache.on('degraded', (e) => degraded.push(e));
    await expect(cache.set('a', 1)).resolves.toBeDefined();
    expect(await cache.get('a')).toBe(1); // served by L1
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.has('b')).toBe(false);
    expect(await cache.delete('a')).toBe(true);
    await expect(cache.clear()).resolves.toBeUndefined();
    expect(await cache.getMany(['x', 'y'])).toEqual([undefined, undefined]);
    expect(await cache.getOrSet('p', () => 'produced')).toBe('produced');
    expect(errors.length).toBeGreaterThanOrEqual(6);
    expect(cache.stats().errors).toBe(errors.length);
    expect(errors[0]).toMatchObject({ type: 'error', op: 'set', backend: 'broken' });
    expect(errors[0]?.error?.message).toBe('backend down');
    expect(degraded).toHaveLength(1);
    expect(cache.stats().degraded).toBe(true);
  });

  it('treats a corrupted entry as a miss, deletes it and reports it', async () => {
    // Each corruption's own event is checked: error-event rate limiting off.
    const { cache, backend, events } = setup({ l1: false, errorEvents: { intervalMs: 0 } });
    await backend.set('cache::bad', new Uint8Array([1, 2, 3, 4]), 10_000);
    expect(await cache.get('bad')).toBeUndefined();
    const error = events.find((e) => e.type === 'error');
    expect(error?.error).toBeInstanceOf(SerializationError);
    expect(error?.detail).toEqual({ reason: 'foreign-entry' });
    expect(await backend.has('cache::bad')).toBe(false);
    // A genuine entry with one flipped payload byte fails its checksum.
    await cache.set('flipped', { v: 'value' });
    const bytes = (await backend.get('cache::flipped')) as Uint8Array;
    const copy = Uint8Array.from(bytes);
    copy[copy.length - 2] = (copy[copy.length - 2] as number) ^ 1;
    await backend.set('cache::flipped', copy, 10_000);
    expect(await cache.get('flipped')).toBeUndefined();
    expect(events.filter((e) => e.type === 'error').at(-1)?.detail).toEqual({ reason: 'corrupt-entry' });
    expect(await backend.has('cache::flipped')).toBe(false);
  });
});

describe('Cache: events and callbacks', () => {
  it('emits one structured event per operation', async () => {
    const { cache, events } = setup();
    await cache.set('a', 'value');
    await cache.get('a');
    await cache.get('b');
    await cache.delete('a');
    expect(events.map((e) => `${e.type}:${e.tier}`)).toEqual(['set:l2', 'hit:l1', 'miss:none', 'delete:l2']);
    for (const e of events) {
      expect(e.key.startsWith('cache:')).toBe(true);
      expect(typeof e.durationMs).toBe('number');
      expect(JSON.stringify(e)).not.toContain('value"');
    }
    expect(events[0]?.bytes).toBeGreaterThan(0);
  });

  it('composes callbacks: onGet may transform, throwing callbacks become error events', async () => {
    const { cache, events } = setup();
    const seen: string[] = [];
    const remove = cache.use({
      onGet: ({ value }) => `${String(value)}!`,
      onSet: ({ key, bytes }) => {
        seen.push(`set ${key} ${bytes > 0}`);
      },
      onMiss: ({ key }) => {
        seen.push(`miss ${key}`);
      },
      onDelete: ({ key, existed }) => {
        seen.push(`delete ${key} ${existed}`);
      },
    });
    cache.use({
      onGet: () => {
        throw new Error('bad callback');
      },
    });
    await cache.set('a', 'v');
    expect(await cache.get('a')).toBe('v!');
    await cache.get('zz');
    await cache.delete('a');
    expect(seen).toEqual(['set cache::a true', 'miss cache::zz', 'delete cache::a true']);
    expect(events.filter((e) => e.type === 'error').map((e) => e.error?.message)).toEqual(['bad callback']);
    remove();
    await cache.set('b', 'w');
    expect(await cache.get('b')).toBe('w');
  });

  it('a throwing listener does not break the operation', async () => {
    const { cache } = setup();
    cache.on('set', () => {
      throw new Error('listener');
    });
    await expect(cache.set('a', 1)).resolves.toBeDefined();
  });

  it('counts hits, misses, sets, deletes and the hit ratio', async () => {
    const { cache } = setup();
    await cache.set('a', 1);
    await cache.get('a');
    await cache.get('a');
    await cache.get('b');
    await cache.delete('a');
    const s = cache.stats();
    expect(s).toMatchObject({ hits: 2, misses: 1, sets: 1, deletes: 1, errors: 0 });
    expect(s.hitRatio).toBeCloseTo(2 / 3);
  });
});

describe('Cache: getMany', () => {
  it('reads several keys from L1 and the backend in one batch', async () => {
    const clock = fakeClock();
    const backend = new MemoryBackend();
    const writer = createCache({ backend, now: clock.now });
    const reader = createCache({ backend, now: clock.now });
    await writer.set('a', 1);
    await writer.set('b', 2);
    await reader.get('a');
    const spy = vi.spyOn(backend, 'getMany');
    expect(await reader.getMany(['a', 'b', 'c'])).toEqual([1, 2, undefined]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[0]).toEqual(['cache::b', 'cache::c']);
  });
});

describe('createCache: validation', () => {
  it('lists every invalid L1 option at once', () => {
    try {
      createCache({ l1: { maxEntries: 0, maxBytes: -1, protection: 'nope' as 'copy' } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
        'l1.maxEntries',
        'l1.maxBytes',
        'l1.protection',
      ]);
    }
  });

  it('rejects an invalid prefix or default ttl', () => {
    expect(() => createCache({ prefix: 'a b' })).toThrow(ValidationError);
    expect(() => createCache({ ttl: '5 parsecs' })).toThrow(ValidationError);
  });
});

/** A MemoryBackend that can be switched off, with a connect() that fails while it is down. */
class SwitchableBackend extends MemoryBackend {
  down = false;
  override readonly name = 'memory';
  #check() {
    if (this.down) throw new Error('primary down');
  }
  async connect(): Promise<void> {
    this.#check();
  }
  override async get(key: string) {
    this.#check();
    return super.get(key);
  }
  override async set(key: string, value: Uint8Array, ttlMs: number) {
    this.#check();
    return super.set(key, value, ttlMs);
  }
  override async delete(key: string) {
    this.#check();
    return super.delete(key);
  }
}

describe('Cache: fallback backend and connect()', () => {
  it('serves from the fallback while the primary fails, and returns to the primary when it is back', async () => {
    const primary = new SwitchableBackend();
    const fallback = new MemoryBackend();
    const cache = createCache({ backend: primary, fallback, l1: false, retryPrimaryAfterMs: 0 });
    const events: string[] = [];
    cache.on('degraded', () => events.push('degraded'));
    cache.on('recovered', () => events.push('recovered'));
    cache.on('error', () => events.push('error'));
    await cache.set('before', 1);
    primary.down = true;
    await cache.set('during', 2);
    expect(await cache.get('during')).toBe(2); // answered by the fallback
    expect(fallback.size).toBe(1);
    primary.down = false;
    expect(await cache.get('before')).toBe(1); // primary again
    expect(await cache.get('during')).toBeUndefined(); // the fallback only bridged the outage
    expect(events.filter((e) => e !== 'error')).toEqual(['degraded', 'recovered']);
    expect(events).toContain('error');
  });

  it('connect() degrades quietly by default and throws with failOnConnectionError', async () => {
    const primary = new SwitchableBackend();
    primary.down = true;
    const cache = createCache({ backend: primary, fallback: new MemoryBackend() });
    const degraded: CacheEvent[] = [];
    cache.on('degraded', (e) => degraded.push(e));
    await expect(cache.connect()).resolves.toBeUndefined();
    expect(degraded).toHaveLength(1);
    expect(cache.stats().degraded).toBe(true);
    const strict = createCache({ backend: primary, failOnConnectionError: true });
    await expect(strict.connect()).rejects.toThrow('primary down');
  });
});
