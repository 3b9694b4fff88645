import { describe, expect, it } from 'vitest';
import {
  configFromEnvironment,
  ENVIRONMENT_VARIABLES,
  EnvironmentPresets,
  parseConfig,
} from '../../src/config/index.js';
import { getPath } from '../../src/config/merge.js';
import { AICacheConfigSchema } from '../../src/config/public.js';
import { ValidationError } from '../../src/errors.js';

/** What each variable's example value must produce at its path. */
const EXPECTED: Record<string, unknown> = {
  AI_CACHE_ENV: undefined, // checked separately: selects a preset
  AI_CACHE_REDIS_URL: 'rediss://cache.internal:6380',
  AI_CACHE_REDIS_PASSWORD: 's3cret-passw0rd',
  AI_CACHE_REDIS_DB: 2,
  AI_CACHE_REDIS_TLS: true,
  AI_CACHE_TLS_CA_PATH: '/etc/ssl/redis/ca.pem',
  AI_CACHE_TLS_CERT_PATH: '/etc/ssl/redis/client.crt',
  AI_CACHE_TLS_KEY_PATH: '/etc/ssl/redis/client.key',
  AI_CACHE_PREFIX: 'my-app',
  AI_CACHE_DEFAULT_TTL: '45m',
  AI_CACHE_OPERATION_TTLS: { summarize: '2h', sentiment: '30m' },
  AI_CACHE_L1_ENABLED: false,
  AI_CACHE_L1_MAX_ENTRIES: 500,
  AI_CACHE_L1_MAX_BYTES: 33_554_432,
  AI_CACHE_COMPRESSION_CODEC: 'deflate',
  AI_CACHE_COMPRESSION_THRESHOLD: 2048,
  AI_CACHE_COMPRESSION_LEVEL: 9,
  AI_CACHE_TEXT_HASH_THRESHOLD: 250,
  AI_CACHE_HASH_ALGORITHM: 'sha256',
  AI_CACHE_HASH_ALL_TEXT: true,
  AI_CACHE_MAX_TEXT_LENGTH: 50_000,
  AI_CACHE_FAIL_ON_CONNECTION_ERROR: true,
};

describe('ENVIRONMENT_VARIABLES', () => {
  it('is covered by this test table, and vice versa', () => {
    expect(ENVIRONMENT_VARIABLES.map((v) => v.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('documents every variable', () => {
    for (const variable of ENVIRONMENT_VARIABLES) {
      expect(variable.name).toMatch(/^AI_CACHE_[A-Z0-9_]+$/);
      expect(variable.description.length).toBeGreaterThan(10);
      expect(variable.example).not.toBe('');
    }
  });

  it.each(ENVIRONMENT_VARIABLES.filter((v) => v.kind !== 'environment').map((v) => [v.name, v]))(
    '%s lands at its path and validates',
    (name, variable) => {
      const config = configFromEnvironment({ [name]: variable.example });
      expect(getPath(config, variable.path)).toEqual(EXPECTED[name]);
      expect(AICacheConfigSchema.safeParse(config).success).toBe(true);
    },
  );

  it('AI_CACHE_ENV selects the preset', () => {
    expect(configFromEnvironment({ AI_CACHE_ENV: 'production' })).toEqual(EnvironmentPresets.aiProduction());
    expect(configFromEnvironment({ AI_CACHE_ENV: 'Development' })).toEqual(
      EnvironmentPresets.aiDevelopment(),
    );
    expect(configFromEnvironment({ AI_CACHE_ENV: 'testing' })).toEqual(EnvironmentPresets.testing());
  });
});

describe('configFromEnvironment', () => {
  it('returns {} without variables and ignores empty values and other variables', () => {
    expect(configFromEnvironment({})).toEqual({});
    expect(configFromEnvironment({ AI_CACHE_PREFIX: '  ', HOME: '/root', REDIS_URL: 'redis://x' })).toEqual(
      {},
    );
  });

  it('reads process.env by default', () => {
    const previous = process.env.AI_CACHE_PREFIX;
    process.env.AI_CACHE_PREFIX = 'from-process';
    try {
      expect(configFromEnvironment().prefix).toBe('from-process');
    } finally {
      if (previous === undefined) delete process.env.AI_CACHE_PREFIX;
      else process.env.AI_CACHE_PREFIX = previous;
    }
  });

  it('applies variables over the preset', () => {
    const config = configFromEnvironment({
      AI_CACHE_ENV: 'production',
      AI_CACHE_REDIS_URL: 'rediss://cache:6380',
      AI_CACHE_L1_MAX_ENTRIES: '42',
      AI_CACHE_HASH_ALL_TEXT: 'false',
    });
    const parsed = parseConfig(AICacheConfigSchema, config);
    expect(parsed.redis).toMatchObject({ url: 'rediss://cache:6380', commandTimeoutMs: 500 });
    expect(parsed.l1).toMatchObject({ maxEntries: 42 });
    expect(parsed.hashAllText).toBe(false);
    expect(parsed.textHashThreshold).toBe(500);
  });

  it('combines TLS paths with AI_CACHE_REDIS_TLS and L1 sizes with AI_CACHE_L1_ENABLED', () => {
    expect(
      configFromEnvironment({ AI_CACHE_REDIS_TLS: 'true', AI_CACHE_TLS_CA_PATH: '/ca.pem' }).redis?.tls,
    ).toEqual({ caPath: '/ca.pem' });
    expect(configFromEnvironment({ AI_CACHE_TLS_CERT_PATH: '/c.crt' }).redis?.tls).toEqual({
      certPath: '/c.crt',
    });
    expect(configFromEnvironment({ AI_CACHE_L1_ENABLED: 'true', AI_CACHE_L1_MAX_ENTRIES: '7' }).l1).toEqual({
      maxEntries: 7,
    });
    expect(configFromEnvironment({ AI_CACHE_ENV: 'testing', AI_CACHE_L1_ENABLED: 'yes' }).l1).toEqual({});
  });

  it.each([
    ['1', true],
    ['YES', true],
    ['on', true],
    ['0', false],
    ['No', false],
    ['OFF', false],
  ])('reads boolean %s as %s', (raw, value) => {
    expect(configFromEnvironment({ AI_CACHE_HASH_ALL_TEXT: raw }).hashAllText).toBe(value);
  });

  it('keeps numeric TTLs as milliseconds', () => {
    expect(configFromEnvironment({ AI_CACHE_DEFAULT_TTL: '60000' }).defaultTtl).toBe(60_000);
    expect(
      configFromEnvironment({ AI_CACHE_OPERATION_TTLS: ' qa = 5000 , summarize=1h, ' }).operationTtls,
    ).toEqual({
      qa: 5000,
      summarize: '1h',
    });
  });

  it('reports every malformed variable at once, by name', () => {
    try {
      configFromEnvironment({
        AI_CACHE_REDIS_DB: 'abc',
        AI_CACHE_HASH_ALL_TEXT: 'maybe',
        AI_CACHE_DEFAULT_TTL: 'soon',
        AI_CACHE_COMPRESSION_CODEC: 'zstd',
        AI_CACHE_OPERATION_TTLS: 'summarize=2h,broken,qa=never',
        AI_CACHE_ENV: 'staging',
        AI_CACHE_L1_MAX_ENTRIES: '-3',
        AI_CACHE_PREFIX: 'fine',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const issues = (error as ValidationError).issues;
      expect(issues.map((i) => i.path).sort()).toEqual([
        'AI_CACHE_COMPRESSION_CODEC',
        'AI_CACHE_DEFAULT_TTL',
        'AI_CACHE_ENV',
        'AI_CACHE_HASH_ALL_TEXT',
        'AI_CACHE_L1_MAX_ENTRIES',
        'AI_CACHE_OPERATION_TTLS',
        'AI_CACHE_REDIS_DB',
      ]);
      const byName = Object.fromEntries(issues.map((i) => [i.path, i.message]));
      expect(byName.AI_CACHE_REDIS_DB).toContain('"abc"');
      expect(byName.AI_CACHE_HASH_ALL_TEXT).toContain('"maybe"');
      expect(byName.AI_CACHE_OPERATION_TTLS).toContain('"broken"');
      expect(byName.AI_CACHE_OPERATION_TTLS).toContain('"qa=never"');
      expect(byName.AI_CACHE_COMPRESSION_CODEC).toContain('lz4, deflate, none');
    }
  });

  it('reports conflicts with disabled L1 / TLS', () => {
    try {
      configFromEnvironment({
        AI_CACHE_L1_ENABLED: 'false',
        AI_CACHE_L1_MAX_BYTES: '1000',
        AI_CACHE_REDIS_TLS: 'false',
        AI_CACHE_TLS_CA_PATH: '/ca.pem',
      });
      expect.unreachable();
    } catch (error) {
      const issues = (error as ValidationError).issues;
      expect(issues).toEqual([
        { path: 'AI_CACHE_TLS_CA_PATH', message: 'cannot be used while AI_CACHE_REDIS_TLS is false' },
        { path: 'AI_CACHE_L1_MAX_BYTES', message: 'cannot be used while AI_CACHE_L1_ENABLED is false' },
      ]);
    }
  });

  it('never echoes an invalid URL (it may carry a password)', () => {
    try {
      configFromEnvironment({ AI_CACHE_REDIS_URL: 'http://user:topsecret@host' });
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).issues[0]?.path).toBe('AI_CACHE_REDIS_URL');
      expect((error as Error).message).not.toContain('topsecret');
    }
  });
});
