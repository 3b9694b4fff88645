import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheConfigBuilder, type EnvironmentName, EnvironmentPresets } from '../../src/config/index.js';
import { ValidationError } from '../../src/errors.js';

let dir: string;
let certPath: string;
let keyPath: string;
let caPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ai-cache-config-'));
  certPath = join(dir, 'client.crt');
  keyPath = join(dir, 'client.key');
  caPath = join(dir, 'ca.pem');
  for (const file of [certPath, keyPath, caPath]) writeFileSync(file, '-----BEGIN CERTIFICATE-----\n');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function buildError(builder: CacheConfigBuilder): ValidationError {
  try {
    builder.build();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected build() to throw');
}

describe('CacheConfigBuilder', () => {
  it('builds the defaults', () => {
    const config = new CacheConfigBuilder().build();
    expect(config.prefix).toBe('ai-cache');
    expect(config.defaultTtl).toBe('1h');
    expect(config.redis).toBeUndefined();
  });

  it.each(Object.keys(EnvironmentPresets) as EnvironmentName[])(
    'forEnvironment(%s) starts from the preset',
    (name) => {
      const config = new CacheConfigBuilder().forEnvironment(name).build();
      const preset = EnvironmentPresets[name]();
      expect(config.ttl).toBe(preset.ttl ?? '1h');
      if (preset.l1 === false) expect(config.l1).toBe(false);
    },
  );

  it('keeps options set before forEnvironment on top of the preset', () => {
    const config = new CacheConfigBuilder()
      .withAIFeatures({ textHashThreshold: 7 })
      .forEnvironment('aiProduction')
      .build();
    expect(config.textHashThreshold).toBe(7);
    expect(config.hashAllText).toBe(true);
  });

  it('rejects an unknown environment', () => {
    expect(() => new CacheConfigBuilder().forEnvironment('staging' as EnvironmentName)).toThrow(
      ValidationError,
    );
  });

  it('withRedis sets url, password, tls and db', () => {
    const config = new CacheConfigBuilder()
      .forEnvironment('development')
      .withRedis('redis://cache.internal:6379', { password: 'pw', tls: true, db: 4 })
      .build();
    expect(config.redis).toMatchObject({
      url: 'redis://cache.internal:6379',
      password: 'pw',
      tls: true,
      db: 4,
    });
  });

  it('withRedis replaces a redisUrl set earlier instead of conflicting', () => {
    const config = new CacheConfigBuilder()
      .with({ redisUrl: 'redis://a:6379' })
      .withRedis('redis://b:6379')
      .build();
    expect(config.redis?.url).toBe('redis://b:6379');
    expect(config.redisUrl).toBeUndefined();
    const back = new CacheConfigBuilder()
      .withRedis('redis://b:6379')
      .with({ redisUrl: 'redis://a:6379' })
      .build();
    expect(back.redis?.url).toBe('redis://a:6379');
  });

  it('still reports redisUrl and redis.url set in the same call', () => {
    const error = buildError(
      new CacheConfigBuilder().with({ redisUrl: 'redis://a:6379', redis: { url: 'redis://b:6379' } }),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['redisUrl']);
  });

  it('withSecurity sets TLS files and withRedis(tls: true) keeps them', () => {
    const config = new CacheConfigBuilder()
      .withRedis('rediss://cache:6380', { tls: true })
      .withSecurity({
        tlsCertPath: certPath,
        tlsKeyPath: keyPath,
        tlsCaPath: caPath,
        rejectUnauthorized: false,
      })
      .withRedis('rediss://cache2:6380', { tls: true })
      .build();
    expect(config.redis?.tls).toEqual({ certPath, keyPath, caPath, rejectUnauthorized: false });
    expect(config.redis?.url).toBe('rediss://cache2:6380');
  });

  it('withSecurity reports missing files', () => {
    const builder = new CacheConfigBuilder().withRedis('rediss://cache:6380').withSecurity({
      tlsCertPath: join(dir, 'missing.crt'),
      tlsKeyPath: join(dir, 'missing.key'),
      tlsCaPath: caPath,
    });
    const result = builder.validate();
    expect(result.isValid).toBe(false);
    expect(result.errors.map((e) => e.path)).toEqual(['redis.tls.certPath', 'redis.tls.keyPath']);
    expect(buildError(builder).issues).toHaveLength(2);
  });

  it('withCompression sets codec, level and the threshold (overriding compressionThreshold)', () => {
    const config = new CacheConfigBuilder()
      .with({ compressionThreshold: 5 })
      .withCompression({ codec: 'deflate', threshold: 4096, level: 9 })
      .build();
    expect(config.compression).toEqual({ codec: 'deflate', threshold: 4096, level: 9 });
    expect(config.compressionThreshold).toBe(4096);
  });

  it('withMemoryCache configures or disables L1', () => {
    const builder = new CacheConfigBuilder().withMemoryCache({
      maxEntries: 10,
      maxBytes: 4096,
      maxEntryBytes: 1024,
    });
    expect(builder.build().l1).toEqual({
      maxEntries: 10,
      maxBytes: 4096,
      maxEntryBytes: 1024,
      protection: 'freeze',
      maxStaleness: '5s',
    });
    expect(builder.withMemoryCache(false).build().l1).toBe(false);
    expect(builder.withMemoryCache({ protection: 'copy' }).build().l1).toEqual({
      maxEntries: 100,
      maxBytes: 16 * 1024 * 1024,
      maxEntryBytes: 1024 * 1024,
      protection: 'copy',
      maxStaleness: '5s',
    });
  });

  it('withAIFeatures sets the AI options and merges operation TTLs', () => {
    const config = new CacheConfigBuilder()
      .forEnvironment('aiProduction')
      .withAIFeatures({
        textHashThreshold: 50,
        hashAlgorithm: 'sha256',
        hashAllText: false,
        operationTtls: { summarize: '3h', translate: '30m' },
        defaultTtl: '20m',
        maxTextLength: 5000,
        sizeTiers: { small: 100 },
        promoteLargeToL1: true,
      })
      .build();
    expect(config).toMatchObject({
      textHashThreshold: 50,
      hashAlgorithm: 'sha256',
      hashAllText: false,
      defaultTtl: '20m',
      maxTextLength: 5000,
      sizeTiers: { small: 100, medium: 10_000 },
      promoteLargeToL1: true,
    });
    expect(config.operationTtls).toEqual({
      summarize: '3h',
      sentiment: '1h',
      key_points: '90m',
      questions: '80m',
      qa: '1h',
      translate: '30m',
    });
  });

  it('with() deep-merges and later calls win; arrays and primitives are replaced', () => {
    const config = new CacheConfigBuilder()
      .with({ l1: { maxEntries: 5 }, ttl: '1m' })
      .with({ l1: { protection: 'none' }, ttl: '2m' })
      .build();
    expect(config.l1).toMatchObject({ maxEntries: 5, protection: 'none' });
    expect(config.ttl).toBe('2m');
  });

  it('does not let callers mutate its state through objects they passed', () => {
    const partial = { l1: { maxEntries: 5 } };
    const builder = new CacheConfigBuilder().with(partial);
    partial.l1.maxEntries = -1;
    expect(builder.validate().isValid).toBe(true);
  });

  it('validate() lists every problem without throwing, build() throws them all', () => {
    const builder = new CacheConfigBuilder().with({
      ttl: 'x',
      prefix: 'a:b',
      l1: { maxEntries: 0 },
      compression: { level: 11 },
    });
    const result = builder.validate();
    expect(result.isValid).toBe(false);
    expect(result.errors.map((e) => e.path).sort()).toEqual([
      'compression.level',
      'l1.maxEntries',
      'prefix',
      'ttl',
    ]);
    expect(buildError(builder).issues).toHaveLength(4);
  });

  it('validate() returns warnings for risky settings', () => {
    const result = new CacheConfigBuilder()
      .withRedis('redis://10.1.2.3:6379')
      .withMemoryCache(false)
      .validate();
    expect(result.isValid).toBe(true);
    expect(result.warnings.some((w) => w.includes('without TLS'))).toBe(true);
    expect(result.warnings.some((w) => w.includes('l1 is disabled'))).toBe(true);
  });

  it('suggests keys for typos passed through with()', () => {
    const error = buildError(new CacheConfigBuilder().with({ redis: { hots: 'x' } } as never));
    expect(error.issues[0]).toEqual({
      path: 'redis.hots',
      message: "unknown option 'hots' (did you mean 'host'?)",
    });
  });

  describe('fromFile', () => {
    it('merges a JSON file over the current state', () => {
      const file = join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ prefix: 'from-file', l1: { maxEntries: 3 } }));
      const config = new CacheConfigBuilder()
        .withMemoryCache({ maxBytes: 2048, maxEntryBytes: 1024 })
        .fromFile(file)
        .build();
      expect(config.prefix).toBe('from-file');
      expect(config.l1).toMatchObject({ maxEntries: 3, maxBytes: 2048 });
    });

    it('names a missing file', () => {
      const file = join(dir, 'nope.json');
      expect(() => new CacheConfigBuilder().fromFile(file)).toThrow(ValidationError);
      expect(() => new CacheConfigBuilder().fromFile(file)).toThrow(/nope\.json/);
      expect(() => new CacheConfigBuilder().fromFile(file)).toThrow(/not found/);
    });

    it('names a file with invalid JSON without echoing its contents', () => {
      const file = join(dir, 'broken.json');
      writeFileSync(file, '{\n  "redis": { "password": "hunter2-secret" ,, }\n}');
      try {
        new CacheConfigBuilder().fromFile(file);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toContain('broken.json');
        expect((error as Error).message).toContain('invalid JSON');
        expect((error as Error).message).not.toContain('hunter2-secret');
      }
    });

    it('rejects a file that is not a JSON object', () => {
      const file = join(dir, 'array.json');
      writeFileSync(file, '[1, 2]');
      expect(() => new CacheConfigBuilder().fromFile(file)).toThrow(/JSON object/);
    });

    it('reports schema problems of the file contents at build time', () => {
      const file = join(dir, 'typo.json');
      writeFileSync(file, JSON.stringify({ defaultTtll: '1h' }));
      const error = buildError(new CacheConfigBuilder().fromFile(file));
      expect(error.issues[0]?.message).toContain("did you mean 'defaultTtl'?");
    });
  });

  describe('fromEnvironment', () => {
    it('merges AI_CACHE_* variables and uses AI_CACHE_ENV as the base preset', () => {
      const config = new CacheConfigBuilder()
        .withAIFeatures({ maxTextLength: 77 })
        .fromEnvironment({
          AI_CACHE_ENV: 'production',
          AI_CACHE_REDIS_URL: 'rediss://c:6380',
          AI_CACHE_PREFIX: 'env',
        })
        .build();
      expect(config.prefix).toBe('env');
      expect(config.redis?.url).toBe('rediss://c:6380');
      expect(config.hashAllText).toBe(true);
      expect(config.maxTextLength).toBe(77);
    });

    it('throws on malformed variables', () => {
      expect(() => new CacheConfigBuilder().fromEnvironment({ AI_CACHE_REDIS_DB: 'abc' })).toThrow(
        /AI_CACHE_REDIS_DB/,
      );
    });
  });

  describe('secrets', () => {
    const secret = 'correct-horse-battery';
    const builder = () =>
      new CacheConfigBuilder().withRedis(`rediss://admin:${secret}@cache.example.com:6380`, {
        password: secret,
      });

    it('are redacted by toJSON and JSON.stringify', () => {
      const json = builder().toJSON();
      expect(JSON.stringify(json)).not.toContain(secret);
      expect(json.redis).toMatchObject({ url: 'rediss://admin:***@cache.example.com:6380', password: '***' });
      expect(JSON.stringify(builder())).not.toContain(secret);
    });

    it('are redacted by toJSON of an invalid config (raw state)', () => {
      const json = builder().with({ ttl: 'never' }).toJSON();
      expect(json.ttl).toBe('never');
      expect(JSON.stringify(json)).not.toContain(secret);
    });

    it('are redacted by saveToFile, which writes 2-space indented JSON', () => {
      const file = join(dir, 'saved.json');
      builder().withMemoryCache({ maxEntries: 9 }).saveToFile(file);
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(secret);
      expect(text).toContain('\n  "prefix": "ai-cache"');
      const reloaded = new CacheConfigBuilder()
        .fromFile(file)
        .with({ redis: { password: 'real' } })
        .build();
      expect(reloaded.l1).toMatchObject({ maxEntries: 9 });
    });

    it('never appear in validation errors', () => {
      const error = buildError(
        builder().with({ redis: { port: 0, db: -1 }, redisUrl: `redis://u:${secret}@h` }),
      );
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error.issues)).not.toContain(secret);
    });
  });
});
