import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import {
  BACKOFF_MAX,
  checkTtls,
  raceTimeout,
  resolve,
  TIMED_OUT,
  wantsRefresh,
} from '../../src/cache/policies.js';
import { ValidationError } from '../../src/errors.js';
import { type CacheOptions, createCache, disabling, TimeoutError } from '../../src/index.js';
import { fakeClock } from '../helpers/clock.js';
import { readyScope } from './fixtures/scope.js';

function setup(options: CacheOptions = {}) {
  const clock = fakeClock();
  const backend = new MemoryBackend({ now: clock.now });
  const cache = createCache({ backend, now: clock.now, ...options });
  return { cache, clock, backend };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until a condition holds: background work settles in a few microtasks/ms. */
async function until(check: () => boolean, ms = 500) {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(2);
}

describe('grace (stale-if-error)', () => {
  it('serves the stale value when the producer throws inside the grace window, not after it', async () => {
    const { cache, clock } = setup();
    await cache.getOrSet('k', () => 'v1', { ttl: '1m', grace: '10m' });
    clock.advance(60_000 + 1); // expired, inside grace
    const failing = () => {
      throw new Error('upstream down');
    };
    expect(await cache.resolve('k', failing, { ttl: '1m', grace: '10m' })).toEqual({
      value: 'v1',
      status: 'stale',
    });
    expect(await cache.get('k')).toBeUndefined(); // get never serves stale
    clock.advance(10 * 60_000); // past the grace window
    await expect(cache.getOrSet('k', failing, { ttl: '1m', grace: '10m' })).rejects.toThrow('upstream down');
  });

  it('does not call the producer again before graceBackoff', async () => {
    const { cache, clock } = setup();
    await cache.getOrSet('k', () => 'v1', { ttl: 1000, grace: '1h' });
    clock.advance(1001);
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('down');
    };
    const opts = { ttl: 1000, grace: '1h', graceBackoff: '5s' } as const;
    expect(await cache.getOrSet('k', failing, opts)).toBe('v1');
    expect(await cache.getOrSet('k', failing, opts)).toBe('v1');
    expect(calls).toBe(1);
    clock.advance(5000);
    expect(await cache.getOrSet('k', failing, opts)).toBe('v1');
    expect(calls).toBe(2);
    expect(await cache.resolve('k', () => 'v2', opts)).toEqual({ value: 'v1', status: 'stale' }); // backoff again
    clock.advance(5000);
    expect(await cache.resolve('k', () => 'v2', opts)).toEqual({ value: 'v2', status: 'miss' });
  });

  it('keeps the entry physically in the backend for ttl + grace', async () => {
    const { cache, backend } = setup();
    const spy: number[] = [];
    const original = backend.set.bind(backend);
    backend.set = async (k, v, ttl) => {
      spy.push(ttl);
      return original(k, v, ttl);
    };
    await cache.set('k', 1, { ttl: '1m', grace: '9m' });
    expect(spy).toEqual([600_000]);
  });
});

describe('softTtl (stale-while-revalidate)', () => {
  it('returns the old value at once and refreshes exactly once in the background', async () => {
    const { cache, clock } = setup();
    await cache.set('k', 'old', { ttl: '1h' });
    clock.advance(31 * 60_000);
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const producer = async () => {
      calls++;
      await gate;
      return 'new';
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => cache.resolve('k', producer, { ttl: '1h', softTtl: '30m' })),
    );
    expect(results.every((r) => r.value === 'old' && r.status === 'hit')).toBe(true);
    expect(calls).toBe(1);
    release();
    await until(() => false, 20);
    expect(await cache.get('k')).toBe('new');
    expect(calls).toBe(1);
  });

  it('does not refresh entries younger than softTtl', async () => {
    const { cache, clock } = setup();
    await cache.set('k', 'v', { ttl: '1h' });
    clock.advance(10 * 60_000);
    let calls = 0;
    await cache.getOrSet('k', () => ++calls, { softTtl: '30m' });
    await sleep(5);
    expect(calls).toBe(0);
  });

  it('a failing background refresh keeps the value and becomes an error event', async () => {
    const { cache, clock } = setup();
    const errors: string[] = [];
    cache.on('error', (e) => errors.push(String(e.detail?.reason)));
    await cache.set('k', 'old', { ttl: '1h' });
    clock.advance(40 * 60_000);
    expect(
      await cache.getOrSet(
        'k',
        async () => {
          throw new Error('refresh failed');
        },
        { softTtl: '30m' },
      ),
    ).toBe('old');
    await until(() => errors.length > 0);
    expect(errors).toEqual(['background-refresh']);
    expect(await cache.get('k')).toBe('old');
  });
});

describe('earlyRefresh', () => {
  it('refreshes in the last fraction of the TTL, before anything expires', async () => {
    const { cache, clock } = setup();
    let version = 0;
    const producer = async () => `v${++version}`;
    expect(await cache.getOrSet('k', producer, { ttl: 1000, earlyRefresh: 0.2 })).toBe('v1');
    clock.advance(700);
    expect(await cache.getOrSet('k', producer, { ttl: 1000, earlyRefresh: 0.2 })).toBe('v1');
    expect(version).toBe(1);
    clock.advance(150); // 850 ms: inside the last 20%
    expect(await cache.getOrSet('k', producer, { ttl: 1000, earlyRefresh: 0.2 })).toBe('v1');
    await until(() => version === 2);
    expect(version).toBe(2);
    clock.advance(200); // the original entry would have expired at 1000 ms
    expect(await cache.get('k')).toBe('v2');
  });

  it('rejects a fraction outside (0, 1)', async () => {
    const { cache } = setup();
    await cache.set('k', 1);
    await expect(cache.getOrSet('k', () => 2, { earlyRefresh: 1.5 })).rejects.toThrow(/earlyRefresh/);
  });
});

describe('timeouts', () => {
  it('soft timeout returns the stale value when the producer is slower, and the producer still stores', async () => {
    const { cache, clock } = setup();
    await cache.set('k', 'stale', { ttl: 100, grace: '1h' });
    clock.advance(101);
    const slow = async () => {
      await sleep(80);
      return 'fresh';
    };
    expect(await cache.resolve('k', slow, { ttl: 100, grace: '1h', timeout: 10 })).toEqual({
      value: 'stale',
      status: 'stale',
    });
    await until(() => false, 100);
    expect(await cache.get('k')).toBe('fresh');
  });

  it('soft timeout without a stale value waits for the producer', async () => {
    const { cache } = setup();
    const slow = async () => {
      await sleep(30);
      return 'v';
    };
    expect(await cache.getOrSet('k', slow, { timeout: 5 })).toBe('v');
  });

  it('hard timeout throws TimeoutError; the value still lands when the producer finishes', async () => {
    const { cache } = setup();
    const slow = async () => {
      await sleep(60);
      return 'late';
    };
    await expect(cache.getOrSet('k', slow, { hardTimeout: 10 })).rejects.toBeInstanceOf(TimeoutError);
    await until(() => false, 100);
    expect(await cache.get('k')).toBe('late');
  });
});

describe('condition and ttl as a function', () => {
  it('caches only values that pass the condition, returning them either way', async () => {
    const { cache } = setup();
    let calls = 0;
    const producer = async () => {
      calls++;
      return null;
    };
    const opts = { condition: (v: unknown) => v !== null };
    expect(await cache.getOrSet('k', producer, opts)).toBeNull();
    expect(await cache.getOrSet('k', producer, opts)).toBeNull();
    expect(calls).toBe(2);
  });

  it('takes the TTL from the value', async () => {
    const { cache, clock } = setup();
    await cache.getOrSet('short', () => ({ kind: 'short' }), {
      ttl: (v) => (v.kind === 'short' ? 100 : '1h'),
    });
    clock.advance(100);
    expect(await cache.get('short')).toBeUndefined();
  });
});

describe('strategies', () => {
  it("'fresh' reads the cache only", async () => {
    const { cache } = setup();
    let calls = 0;
    expect(await cache.getOrSet('k', () => ++calls, { strategy: 'fresh' })).toBeUndefined();
    await cache.set('k', 5);
    expect(await cache.getOrSet('k', () => ++calls, { strategy: 'fresh' })).toBe(5);
    expect(calls).toBe(0);
  });

  it("'refresh' (default) reads then produces on a miss", async () => {
    const { cache } = setup();
    expect(await cache.resolve('k', () => 1)).toEqual({ value: 1, status: 'miss' });
    expect(await cache.resolve('k', () => 2)).toEqual({ value: 1, status: 'hit' });
  });

  it("'invalidate' drops the entry, then produces and stores", async () => {
    const { cache } = setup();
    await cache.set('k', 'old');
    expect(await cache.getOrSet('k', () => 'new', { strategy: 'invalidate' })).toBe('new');
    expect(await cache.get('k')).toBe('new');
  });

  it("'bypass' calls the producer without reading or writing", async () => {
    const { cache, backend } = setup();
    await cache.set('k', 'cached');
    expect(await cache.resolve('k', () => 'direct', { strategy: 'bypass' })).toEqual({
      value: 'direct',
      status: 'bypass',
    });
    expect(await cache.get('k')).toBe('cached');
    expect(backend.size).toBe(1);
  });
});

describe('disabling (AsyncLocalStorage)', () => {
  it("skips reads inside the callback's async context only", async () => {
    const { cache } = setup();
    await cache.set('k', 'cached');
    const inside = await cache.disabling(['get'], async () => {
      await sleep(1);
      return [await cache.get('k'), await cache.getOrSet('k', () => 'produced')];
    });
    expect(inside).toEqual([undefined, 'produced']);
    // Writes still happen inside (only reads were disabled), and outside reads work.
    expect(await cache.get('k')).toBe('produced');
  });

  it("skips writes with ['set'], and does not leak into concurrent work", async () => {
    const { cache } = setup();
    const outside = (async () => {
      await sleep(5);
      await cache.set('outside', 1);
    })();
    await disabling(['set'], async () => {
      await cache.set('inside', 1);
      await sleep(10);
    });
    await outside;
    expect(await cache.get('inside')).toBeUndefined();
    expect(await cache.get('outside')).toBe(1);
  });
});

describe('policies module (functions on a scope)', () => {
  it('checkTtls rejects bad ttl / grace values up front and leaves ttl functions for later', () => {
    expect(() => checkTtls({ ttl: 'soon' })).toThrow(ValidationError);
    expect(() => checkTtls({ grace: -1 })).toThrow(ValidationError);
    expect(() => checkTtls({ ttl: () => 'soon', grace: false })).not.toThrow();
    expect(() => checkTtls({ ttl: '5m', grace: '1m' })).not.toThrow();
  });

  it('wantsRefresh: soft TTL by age, early refresh by the fraction of the lifetime left', () => {
    const entry = {
      value: 1,
      tier: 'l1' as const,
      bytes: 1,
      createdAt: 0,
      freshUntil: 1000,
      staleUntil: 1000,
      stale: false,
    };
    expect(wantsRefresh(entry, 499, { softTtl: 500 })).toBe(false);
    expect(wantsRefresh(entry, 500, { softTtl: 500 })).toBe(true);
    expect(wantsRefresh(entry, 799, { earlyRefresh: 0.2 })).toBe(false);
    expect(wantsRefresh(entry, 800, { earlyRefresh: 0.2 })).toBe(true);
    expect(wantsRefresh(entry, 999, {})).toBe(false);
    expect(() => wantsRefresh(entry, 0, { earlyRefresh: 1 })).toThrow(ValidationError);
  });

  it('raceTimeout resolves with the value, or TIMED_OUT, and leaves no timer behind', async () => {
    expect(await raceTimeout(Promise.resolve(3), 1000)).toBe(3);
    expect(await raceTimeout(new Promise(() => {}), 1)).toBe(TIMED_OUT);
  });

  it('resolve: miss then hit, coalesced concurrent callers, and the producer-failure backoff with a stale value', async () => {
    const clock = fakeClock();
    const s = await readyScope({
      backend: new MemoryBackend({ now: clock.now }),
      bus: false,
      now: clock.now,
    });
    let calls = 0;
    const producer = async () => ++calls;
    const [a, b] = await Promise.all([
      resolve(s, 'cache::k', producer, {}),
      resolve(s, 'cache::k', producer, {}),
    ]);
    expect([a.status, b.status]).toEqual(['miss', 'coalesced']);
    expect(await resolve(s, 'cache::k', producer, {})).toEqual({ value: 1, status: 'hit' });
    await resolve(s, 'cache::g', producer, { ttl: 1000, grace: 10_000 });
    clock.advance(1000);
    const failing = async (): Promise<number> => {
      throw new Error('upstream down');
    };
    expect(await resolve(s, 'cache::g', failing, { graceBackoff: 5000 })).toEqual({
      value: 2,
      status: 'stale',
    });
    expect(s.core.backoff.get('cache::g')).toBe(clock.now() + 5000);
    // Inside the backoff the producer is not called again.
    expect(await resolve(s, 'cache::g', producer, {})).toEqual({ value: 2, status: 'stale' });
    expect(calls).toBe(2);
    expect(BACKOFF_MAX).toBeGreaterThan(0);
  });
});
