/**
 * Safe defaults, misspelt options: in plain JavaScript, unknown option keys are rejected at
 * runtime with a `ValidationError` carrying the same "did you mean" hint the configuration
 * schema gives, and nothing is written. Also: L1 entries over a backend without a bus live at
 * most `l1.maxStaleness`; only a backend with a Redis connection gets a bus by default.
 */
import { describe, expect, it, vi } from 'vitest';
import { parsePerCall } from '../../src/ai-cache/call/settings.js';
import { CacheConfigSchema } from '../../src/config/public.js';
import {
  AIResponseCache,
  createCache,
  MemoryBackend,
  parseConfig,
  ValidationError,
} from '../../src/index.js';
import { fakeClock } from '../helpers/clock.js';

/** The ValidationError `fn` throws (or rejects with). */
async function validationError(fn: () => unknown): Promise<ValidationError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

/** Options as plain JavaScript passes them (no compiler between the user and the call). */
const js = <T>(value: Record<string, unknown>): T => value as T;

describe('unknown option keys are rejected at runtime, with a hint', () => {
  it('createCache({ TTL: 1 }): the same message the config schema gives for the same key', async () => {
    const error = await validationError(() => createCache(js({ TTL: 1 })));
    expect(error.issues).toEqual([{ path: 'TTL', message: "unknown option 'TTL' (did you mean 'ttl'?)" }]);
    const fromSchema = await validationError(() => parseConfig(CacheConfigSchema, { TTL: 1 }));
    expect(fromSchema.issues).toEqual(error.issues);
  });

  it('createCache lists every unknown key, nested ones included', async () => {
    const error = await validationError(() =>
      createCache(
        js({
          prefx: 'app',
          l1: { maxEntrie: 10 },
          compression: { treshold: 10 },
          errorEvents: { interval: 0 },
          somethingElse: true,
        }),
      ),
    );
    expect(error.issues).toEqual([
      { path: 'prefx', message: "unknown option 'prefx' (did you mean 'prefix'?)" },
      { path: 'somethingElse', message: "unknown option 'somethingElse'" },
      { path: 'l1.maxEntrie', message: "unknown option 'maxEntrie' (did you mean 'maxEntries'?)" },
      { path: 'compression.treshold', message: "unknown option 'treshold' (did you mean 'threshold'?)" },
      { path: 'errorEvents.interval', message: "unknown option 'interval' (did you mean 'intervalMs'?)" },
    ]);
  });

  it('set(k, v, { tll: 5 }) is rejected and nothing is written, in either tier', async () => {
    const backend = new MemoryBackend();
    const cache = createCache({ backend });
    const error = await validationError(() => cache.set('k', 'v', js({ tll: 5 })));
    expect(error.issues).toEqual([{ path: 'tll', message: "unknown option 'tll' (did you mean 'ttl'?)" }]);
    expect(await cache.get('k')).toBeUndefined();
    expect(await backend.has(await cache.fullKey('k'))).toBe(false);
    expect(cache.stats().sets).toBe(0);
    await cache.close();
  });

  it('getOrSet / resolve options: rejected before the producer runs, nothing written', async () => {
    const cache = createCache({ backend: new MemoryBackend() });
    const producer = vi.fn(() => 'value');
    const error = await validationError(() => cache.getOrSet('k', producer, js({ gracePeriod: '1m' })));
    expect(error.message).toContain("unknown option 'gracePeriod'");
    await validationError(() => cache.resolve('k', producer, js({ softTTL: '1s' })));
    expect(producer).not.toHaveBeenCalled();
    expect(await cache.has('k')).toBe(false);
    await cache.close();
  });

  it('get / lookup / wrap / wrapIterator / namespace options', async () => {
    const cache = createCache();
    await cache.set('k', 1);
    expect((await validationError(() => cache.get('k', js({ promot: false })))).issues[0]?.message).toBe(
      "unknown option 'promot' (did you mean 'promote'?)",
    );
    await validationError(() => cache.lookup('k', js({ Promote: false })));
    const fn = vi.fn(async (n: number) => n * 2);
    expect((await validationError(() => cache.wrap(fn, js({ keys: 'n:{arg0}' })))).issues[0]?.message).toBe(
      "unknown option 'keys' (did you mean 'key'?)",
    );
    await validationError(() =>
      cache.wrapIterator(
        async function* gen() {
          yield 1;
        },
        js<{ name: string }>({ nmae: 'gen' }),
      ),
    );
    await validationError(() => cache.namespace('tenant', js({ describe: () => '' })));
    expect(fn).not.toHaveBeenCalled();
    // Known keys still work, `undefined` values included.
    expect(await cache.get('k', { promote: true })).toBe(1);
    await cache.set('k2', 2, js({ ttl: undefined, tags: ['t'] }));
    expect(await cache.getOrSet('k3', () => 3, { ttl: '1m', grace: '1m', lock: false })).toBe(3);
    await cache.close();
  });

  it('new AIResponseCache({ defaultTTL }) is rejected with the hint, its non-data options hinted too', async () => {
    const error = await validationError(() => new AIResponseCache(js({ defaultTTL: '1h' })));
    expect(error.issues).toEqual([
      { path: 'defaultTTL', message: "unknown option 'defaultTTL' (did you mean 'defaultTtl'?)" },
    ]);
    const runtime = await validationError(
      () => new AIResponseCache(js({ redisClinet: {}, ttlResolvr: () => 1 })),
    );
    expect(runtime.issues.map((i) => i.message)).toEqual([
      "unknown option 'redisClinet' (did you mean 'redisClient'?)",
      "unknown option 'ttlResolvr' (did you mean 'ttlResolver'?)",
    ]);
  });

  it('per-call cache options of the LLM call path: parsePerCall', async () => {
    const error = await validationError(() => parsePerCall({ noStor: true, ttl: '1m' }));
    expect(error.issues).toEqual([
      { path: 'cache.noStor', message: "unknown option 'noStor' (did you mean 'noStore'?)" },
    ]);
    expect(() =>
      parsePerCall({ noCache: true, noStore: false, forceRefresh: true, ttl: 1000 }),
    ).not.toThrow();
    expect(() => parsePerCall(undefined)).not.toThrow();
  });
});

describe('L1 lifetime over a backend without a bus', () => {
  it('an L1 entry over a backend without a bus lives at most l1.maxStaleness (default 5s)', async () => {
    const clock = fakeClock();
    const backend = new MemoryBackend({ now: clock.now });
    const a = createCache({ backend, now: clock.now });
    const b = createCache({ backend, now: clock.now });
    await a.set('k', 'v1', { ttl: '1h' });
    expect(await b.lookup('k')).toMatchObject({ tier: 'l2' });
    await a.set('k', 'v2', { ttl: '1h' });
    clock.advance(4_999);
    expect(await b.lookup('k')).toMatchObject({ value: 'v1', tier: 'l1' });
    clock.advance(1);
    expect(await b.lookup('k')).toMatchObject({ value: 'v2', tier: 'l2' });
    await Promise.all([a.close(), b.close()]);
  });

  it('an L1-only cache (no backend) keeps entries for their whole TTL', async () => {
    const clock = fakeClock();
    const cache = createCache({ now: clock.now });
    await cache.set('k', 'v', { ttl: '1h' });
    clock.advance(3_599_999);
    expect(await cache.lookup('k')).toMatchObject({ value: 'v', tier: 'l1' });
    await cache.close();
  });
});
