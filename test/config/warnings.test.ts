/**
 * Safe defaults, warnings: an integer TTL below 1000 in configuration (seconds, as the seed API
 * meant them, silently read as milliseconds) is a validation warning and a one-time process
 * warning `AIRC_TTL_UNITS`; a unit suffix or a number >= 1000 silences it. Falling back to
 * memory emits a one-time `AIRC_FALLBACK` besides the `degraded` event, unless
 * `fallbackWarning: false`.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { AICacheConfigSchema } from '../../src/config/public.js';
import {
  AIResponseCache,
  CacheConfigBuilder,
  CacheFactory,
  checkConfig,
  createCache,
  MemoryBackend,
  RedisBackend,
} from '../../src/index.js';
import { resetWarningsForTests, WarningCodes } from '../../src/warnings.js';

/** `[message, code]` of every process warning emitted by the library. */
function emitted(spy: MockInstance<typeof process.emitWarning>): [string, string][] {
  return spy.mock.calls.map(([message, options]) => [String(message), (options as { code: string }).code]);
}

let spy: MockInstance<typeof process.emitWarning>;
beforeEach(() => {
  resetWarningsForTests();
  // Recorded, and kept out of the test output.
  spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
});
afterEach(() => {
  spy.mockRestore();
});

describe('TTL units (AIRC_TTL_UNITS)', () => {
  it('defaultTtl: 60 gives a validation warning naming the option, and says how to write seconds', () => {
    const { isValid, warnings } = checkConfig(AICacheConfigSchema, { defaultTtl: 60 });
    expect(isValid).toBe(true);
    const ttl = warnings.filter((w) => w.includes(WarningCodes.TTL_UNITS));
    expect(ttl).toHaveLength(1);
    expect(ttl[0]).toContain('defaultTtl is 60');
    expect(ttl[0]).toContain("'60s'");
  });

  it('every TTL of the configuration is checked: ttl, defaultTtl, operationTtls.*, l1.ttl, l1.maxStaleness', () => {
    const { warnings } = checkConfig(AICacheConfigSchema, {
      ttl: 30,
      defaultTtl: 60,
      operationTtls: { summarize: 360, qa: '1h' },
      l1: { ttl: 10, maxStaleness: 5 },
    });
    expect(warnings.filter((w) => w.includes(WarningCodes.TTL_UNITS)).map((w) => w.split(' is ')[0])).toEqual(
      ['ttl', 'defaultTtl', 'l1.ttl', 'l1.maxStaleness', 'operationTtls.summarize'],
    );
  });

  it("a unit suffix ('60s') or a number >= 1000 silences it", () => {
    for (const input of [
      { defaultTtl: '60s' },
      { defaultTtl: 1000 },
      { defaultTtl: 60_000 },
      { operationTtls: { summarize: '1h', qa: 3_600_000 } },
      {},
    ]) {
      expect(
        checkConfig(AICacheConfigSchema, input).warnings.filter((w) => w.includes('AIRC_TTL_UNITS')),
      ).toEqual([]);
    }
    new AIResponseCache({ defaultTtl: '60s', operationTtls: { summarize: 3_600_000 } });
    expect(emitted(spy)).toEqual([]);
  });

  it('the builder: validate() warns, build() emits the process warning once', () => {
    const builder = new CacheConfigBuilder().withAIFeatures({ operationTtls: { summarize: 3600 } });
    // 3600 >= 1000: read as milliseconds on purpose, no warning.
    expect(builder.validate().warnings.some((w) => w.includes('AIRC_TTL_UNITS'))).toBe(false);
    const seconds = new CacheConfigBuilder().withAIFeatures({ defaultTtl: 60 });
    expect(seconds.validate().warnings.some((w) => w.includes('defaultTtl is 60'))).toBe(true);
    expect(emitted(spy)).toEqual([]);
    seconds.build();
    seconds.build();
    expect(emitted(spy).map(([, code]) => code)).toEqual(['AIRC_TTL_UNITS']);
  });

  it('new AIResponseCache({ defaultTtl: 60 }) emits it once per process, whatever follows', async () => {
    const first = new AIResponseCache({ defaultTtl: 60 });
    const second = new AIResponseCache({ operationTtls: { summarize: 5 } });
    expect(emitted(spy)).toHaveLength(1);
    const [message, code] = emitted(spy)[0] as [string, string];
    expect(code).toBe('AIRC_TTL_UNITS');
    expect(message).toContain('defaultTtl is 60');
    await Promise.all([first.close(), second.close()]);
  });
});

describe('falling back to memory (AIRC_FALLBACK)', () => {
  it('a cache that falls back to memory emits the process warning once, besides every degraded event', async () => {
    const degraded: unknown[] = [];
    const make = () => {
      const cache = createCache({
        backend: new RedisBackend({
          url: 'redis://127.0.0.1:1',
          connectTimeoutMs: 200,
          commandTimeoutMs: 100,
        }),
        fallback: new MemoryBackend(),
      });
      cache.on('degraded', (e) => degraded.push(e));
      return cache;
    };
    const [a, b] = [make(), make()];
    await a.connect();
    await b.connect();
    expect(degraded).toHaveLength(2);
    expect(emitted(spy).map(([, code]) => code)).toEqual(['AIRC_FALLBACK']);
    const [message] = emitted(spy)[0] as [string, string];
    expect(message).toContain('redis backend failed');
    expect(message).toContain('memory fallback');
    expect(message).not.toContain('127.0.0.1');
    // The fallback still serves.
    await a.set('k', 'v');
    expect(await a.get('k')).toBe('v');
    await Promise.all([a.close(), b.close()]);
  });

  it('the factory (AIResponseCache with a Redis URL) warns; fallbackWarning: false silences it', async () => {
    const quiet = await new CacheFactory().forAIApp({
      redisUrl: 'redis://127.0.0.1:1',
      redis: { connectTimeoutMs: 200, commandTimeoutMs: 100 },
      fallbackWarning: false,
    });
    expect(quiet.stats().degraded).toBe(true);
    expect(emitted(spy)).toEqual([]);
    await quiet.close();

    const loud = await new CacheFactory().forAIApp({
      redisUrl: 'redis://127.0.0.1:1',
      redis: { connectTimeoutMs: 200, commandTimeoutMs: 100 },
    });
    expect(loud.stats().degraded).toBe(true);
    expect(emitted(spy).map(([, code]) => code)).toEqual(['AIRC_FALLBACK']);
    await loud.close();
  });

  it('a backend failure without a fallback is not a fallback: no warning', async () => {
    const cache = createCache({
      backend: new RedisBackend({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 200, commandTimeoutMs: 100 }),
    });
    await cache.connect();
    expect(cache.degraded).toBe(true);
    expect(emitted(spy)).toEqual([]);
    await cache.close();
  });
});
