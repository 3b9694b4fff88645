/**
 * `LOCAL_REDIS_URL` (main entry): the local Redis of the development and testing presets, and
 * so of `AI_CACHE_ENV=development` / `testing`.
 */
import { describe, expect, it } from 'vitest';
import { configFromEnvironment, EnvironmentPresets, LOCAL_REDIS_URL } from '../../src/index.js';

describe('LOCAL_REDIS_URL', () => {
  it('is the Redis of the development, aiDevelopment and testing presets (testing on database 15)', () => {
    expect(EnvironmentPresets.development().redis).toEqual({ url: LOCAL_REDIS_URL });
    expect(EnvironmentPresets.aiDevelopment().redis).toEqual({ url: LOCAL_REDIS_URL });
    expect(EnvironmentPresets.testing().redis).toEqual({ url: LOCAL_REDIS_URL, db: 15 });
  });

  it("is never the Redis of a production preset (its URL is the operator's to set)", () => {
    expect(EnvironmentPresets.production().redis?.url).toBeUndefined();
    expect(EnvironmentPresets.aiProduction().redis?.url).toBeUndefined();
  });

  it('is what AI_CACHE_ENV=development connects to, unless AI_CACHE_REDIS_URL says otherwise', () => {
    expect(configFromEnvironment({ AI_CACHE_ENV: 'development' }).redis?.url).toBe(LOCAL_REDIS_URL);
    expect(
      configFromEnvironment({ AI_CACHE_ENV: 'development', AI_CACHE_REDIS_URL: 'redis://cache:6379' }).redis
        ?.url,
    ).toBe('redis://cache:6379');
  });

  it('is the loopback address on the default port (never a name that could resolve elsewhere)', () => {
    const url = new URL(LOCAL_REDIS_URL);
    expect(url.protocol).toBe('redis:');
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.port).toBe('6379');
    expect(url.username + url.password).toBe('');
  });
});
