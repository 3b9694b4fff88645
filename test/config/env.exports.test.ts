/**
 * `readEnvironment` and `ENVIRONMENT_PRESETS` (main entry): the `AI_CACHE_*` variables read
 * into a configuration input and the preset `AI_CACHE_ENV` names, without applying the preset
 * (that is `configFromEnvironment`).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  configFromEnvironment,
  ENVIRONMENT_PRESETS,
  ENVIRONMENT_VARIABLES,
  EnvironmentPresets,
  readEnvironment,
  ValidationError,
} from '../../src/index.js';

/** The ValidationError `readEnvironment(env)` throws. */
function rejection(env: Record<string, string>): ValidationError {
  try {
    readEnvironment(env);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('readEnvironment', () => {
  it('finds nothing in an environment without AI_CACHE_* variables (and no preset key at all)', () => {
    const reading = readEnvironment({ PATH: '/usr/bin', HOME: '/root' });
    expect(reading).toEqual({ config: {} });
    expect('preset' in reading).toBe(false);
  });

  it('reads each kind of variable into its configuration path', () => {
    const { config } = readEnvironment({
      AI_CACHE_REDIS_URL: ' rediss://cache.internal:6380 ',
      AI_CACHE_REDIS_PASSWORD: ' pass with spaces ',
      AI_CACHE_REDIS_DB: '2',
      AI_CACHE_PREFIX: ' my-app ',
      AI_CACHE_DEFAULT_TTL: '45m',
      AI_CACHE_OPERATION_TTLS: 'summarize=2h, sentiment=1800000',
      AI_CACHE_L1_MAX_ENTRIES: '500',
      AI_CACHE_COMPRESSION_CODEC: 'DEFLATE',
      AI_CACHE_COMPRESSION_THRESHOLD: '2048',
      AI_CACHE_HASH_ALL_TEXT: 'yes',
      AI_CACHE_FAIL_ON_CONNECTION_ERROR: 'Off',
    });
    expect(config).toEqual({
      redis: { url: 'rediss://cache.internal:6380', password: ' pass with spaces ', db: 2 },
      prefix: 'my-app',
      defaultTtl: '45m',
      operationTtls: { summarize: '2h', sentiment: 1_800_000 },
      l1: { maxEntries: 500 },
      compression: { codec: 'deflate' },
      compressionThreshold: 2048,
      hashAllText: true,
      failOnConnectionError: false,
    });
  });

  it('a TTL of digits only is milliseconds (a number); a duration stays a string', () => {
    expect(readEnvironment({ AI_CACHE_DEFAULT_TTL: '90000' }).config).toEqual({ defaultTtl: 90_000 });
    expect(readEnvironment({ AI_CACHE_DEFAULT_TTL: '1h30m' }).config).toEqual({ defaultTtl: '1h30m' });
  });

  it('treats empty and blank values as unset', () => {
    expect(readEnvironment({ AI_CACHE_REDIS_URL: '', AI_CACHE_PREFIX: '   ', AI_CACHE_ENV: '' })).toEqual({
      config: {},
    });
  });

  it('L1 and TLS switches: true is "on, with options"; paths under them imply them; false stays false', () => {
    expect(readEnvironment({ AI_CACHE_L1_ENABLED: 'true' }).config).toEqual({ l1: {} });
    expect(readEnvironment({ AI_CACHE_L1_ENABLED: '0' }).config).toEqual({ l1: false });
    expect(readEnvironment({ AI_CACHE_REDIS_TLS: 'on', AI_CACHE_TLS_CA_PATH: '/etc/ca.pem' }).config).toEqual(
      {
        redis: { tls: { caPath: '/etc/ca.pem' } },
      },
    );
    expect(
      readEnvironment({ AI_CACHE_TLS_CERT_PATH: '/c.crt', AI_CACHE_TLS_KEY_PATH: '/c.key' }).config,
    ).toEqual({
      redis: { tls: { certPath: '/c.crt', keyPath: '/c.key' } },
    });
  });

  it('a path under a switch that is false is an issue naming the switch', () => {
    const error = rejection({
      AI_CACHE_L1_ENABLED: 'false',
      AI_CACHE_L1_MAX_ENTRIES: '10',
      AI_CACHE_REDIS_TLS: 'false',
      AI_CACHE_TLS_CA_PATH: '/etc/ca.pem',
    });
    expect(error.issues).toEqual([
      { path: 'AI_CACHE_TLS_CA_PATH', message: 'cannot be used while AI_CACHE_REDIS_TLS is false' },
      { path: 'AI_CACHE_L1_MAX_ENTRIES', message: 'cannot be used while AI_CACHE_L1_ENABLED is false' },
    ]);
  });

  it('lists every malformed variable by name at once, never echoing a URL or a password', () => {
    const error = rejection({
      AI_CACHE_REDIS_URL: 'http://admin:hunter2@cache:6379',
      AI_CACHE_REDIS_DB: '-1',
      AI_CACHE_L1_ENABLED: 'maybe',
      AI_CACHE_DEFAULT_TTL: 'soon',
      AI_CACHE_OPERATION_TTLS: 'summarize=2h,broken,qa=never',
      AI_CACHE_HASH_ALGORITHM: 'md5',
      AI_CACHE_ENV: 'staging',
    });
    expect(error.message).toMatch(/^Invalid environment variables: 7 problems/);
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'AI_CACHE_DEFAULT_TTL',
      'AI_CACHE_ENV',
      'AI_CACHE_HASH_ALGORITHM',
      'AI_CACHE_L1_ENABLED',
      'AI_CACHE_OPERATION_TTLS',
      'AI_CACHE_REDIS_DB',
      'AI_CACHE_REDIS_URL',
    ]);
    const byPath = Object.fromEntries(error.issues.map((i) => [i.path, i.message]));
    expect(byPath.AI_CACHE_REDIS_DB).toBe('expected a non-negative integer (got "-1")');
    expect(byPath.AI_CACHE_L1_ENABLED).toBe('expected true or false (got "maybe")');
    expect(byPath.AI_CACHE_OPERATION_TTLS).toContain('(invalid: "broken", "qa=never")');
    expect(byPath.AI_CACHE_ENV).toBe('expected one of development, testing, production (got "staging")');
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify(error.issues)).not.toContain('admin');
    expect(rejection({ AI_CACHE_REDIS_DB: 'x' }).message).toMatch(
      /^Invalid environment variables: 1 problem\n/,
    );
  });

  it('reads process.env by default', () => {
    vi.stubEnv('AI_CACHE_PREFIX', 'from-process-env');
    vi.stubEnv('AI_CACHE_ENV', 'testing');
    expect(readEnvironment()).toEqual({ preset: 'testing', config: { prefix: 'from-process-env' } });
  });
});

describe('ENVIRONMENT_PRESETS', () => {
  it('maps each AI_CACHE_ENV value to the preset readEnvironment reports (any case, trimmed)', () => {
    expect(Object.keys(ENVIRONMENT_PRESETS).length).toBeGreaterThan(0);
    for (const [value, preset] of Object.entries(ENVIRONMENT_PRESETS)) {
      expect(readEnvironment({ AI_CACHE_ENV: value })).toEqual({ preset, config: {} });
      expect(readEnvironment({ AI_CACHE_ENV: ` ${value.toUpperCase()} ` }).preset).toBe(preset);
    }
    expect(ENVIRONMENT_PRESETS.production).toBe('aiProduction');
  });

  it('names presets that exist, and is what configFromEnvironment starts from', () => {
    for (const [value, preset] of Object.entries(ENVIRONMENT_PRESETS)) {
      expect(typeof EnvironmentPresets[preset]).toBe('function');
      expect(configFromEnvironment({ AI_CACHE_ENV: value })).toEqual(EnvironmentPresets[preset]());
    }
  });

  it('its keys are exactly the accepted values of AI_CACHE_ENV; it cannot be changed', () => {
    const variable = ENVIRONMENT_VARIABLES.find((v) => v.name === 'AI_CACHE_ENV');
    expect(variable?.values).toEqual(Object.keys(ENVIRONMENT_PRESETS));
    expect(Object.isFrozen(ENVIRONMENT_PRESETS)).toBe(true);
    expect(() => {
      (ENVIRONMENT_PRESETS as Record<string, string>).staging = 'production';
    }).toThrow(TypeError);
    expect(rejection({ AI_CACHE_ENV: 'staging' }).issues[0]?.path).toBe('AI_CACHE_ENV');
  });
});
