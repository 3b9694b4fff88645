import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { parseTtl } from '../../src/cache/ttl.js';
import {
  AICacheConfigSchema,
  CacheConfigSchema,
  DEFAULT_OPERATION_TTLS,
  RedisConfigSchema,
  sizeTierOf,
  TtlSchema,
} from '../../src/config/index.js';

const MIB = 1024 * 1024;

describe('TtlSchema', () => {
  it.each([1, 1500, '500ms', '30s', '5m', '2h', '1d', '1h30m', '1.5h'])(
    'accepts %j and keeps it as written',
    (ttl) => {
      expect(TtlSchema.parse(ttl)).toBe(ttl);
    },
  );

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '', 'abc', '5 parsecs', true, null, {}])(
    'rejects %j',
    (ttl) => {
      expect(TtlSchema.safeParse(ttl).success).toBe(false);
    },
  );

  it('accepts exactly what parseTtl accepts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.string(), fc.constantFrom('1h', '2m30s', '0s', 'ms')), (value) => {
        let ok = true;
        try {
          parseTtl(value);
        } catch {
          ok = false;
        }
        expect(TtlSchema.safeParse(value).success).toBe(ok);
      }),
    );
  });
});

describe('RedisConfigSchema', () => {
  it('applies timeouts and rejectUnauthorized defaults', () => {
    expect(RedisConfigSchema.parse({})).toEqual({ commandTimeoutMs: 1000, connectTimeoutMs: 5000 });
    expect(RedisConfigSchema.parse({ tls: {} }).tls).toEqual({ rejectUnauthorized: true });
    expect(RedisConfigSchema.parse({ tls: true }).tls).toBe(true);
  });

  it.each(['redis://localhost:6379', 'rediss://user:pw@cache.example.com:6380/2', 'redis://[::1]:6379'])(
    'accepts URL %s',
    (url) => {
      expect(RedisConfigSchema.parse({ url }).url).toBe(url);
    },
  );

  it.each(['http://localhost', 'localhost:6379', 'redis://', 'not a url'])('rejects URL %s', (url) => {
    expect(RedisConfigSchema.safeParse({ url }).success).toBe(false);
  });

  it('checks port and db ranges', () => {
    expect(RedisConfigSchema.safeParse({ port: 0 }).success).toBe(false);
    expect(RedisConfigSchema.safeParse({ port: 65536 }).success).toBe(false);
    expect(RedisConfigSchema.safeParse({ port: 65535, db: 0 }).success).toBe(true);
    expect(RedisConfigSchema.safeParse({ db: -1 }).success).toBe(false);
    expect(RedisConfigSchema.safeParse({ db: 1.5 }).success).toBe(false);
  });

  it('is strict', () => {
    expect(RedisConfigSchema.safeParse({ hots: 'x' }).success).toBe(false);
    expect(RedisConfigSchema.safeParse({ tls: { ca: 'x' } }).success).toBe(false);
  });
});

describe('CacheConfigSchema', () => {
  it('applies every default', () => {
    expect(CacheConfigSchema.parse({})).toEqual({
      prefix: 'cache',
      ttl: '1h',
      l1: {
        maxEntries: 1000,
        maxBytes: 64 * MIB,
        maxEntryBytes: MIB,
        protection: 'freeze',
        maxStaleness: '5s',
      },
      compression: { codec: 'lz4', threshold: 1024, level: 6 },
      hashAlgorithm: 'xxh64',
      maxKeyLength: 250,
      failOnConnectionError: false,
      fallbackWarning: true,
    });
  });

  it('fills defaults inside partially given objects', () => {
    const config = CacheConfigSchema.parse({ l1: { maxEntries: 5 }, compression: { codec: 'deflate' } });
    expect(config.l1).toEqual({
      maxEntries: 5,
      maxBytes: 64 * MIB,
      maxEntryBytes: MIB,
      protection: 'freeze',
      maxStaleness: '5s',
    });
    expect(config.compression).toEqual({ codec: 'deflate', threshold: 1024, level: 6 });
  });

  it('accepts l1: false', () => {
    expect(CacheConfigSchema.parse({ l1: false }).l1).toBe(false);
    expect(CacheConfigSchema.safeParse({ l1: true }).success).toBe(false);
  });

  it('validates prefix, level, maxKeyLength and enums', () => {
    for (const bad of [
      { prefix: '' },
      { prefix: 'a:b' },
      { compression: { level: 0 } },
      { compression: { level: 10 } },
      { compression: { codec: 'zstd' } },
      { compression: { threshold: -1 } },
      { hashAlgorithm: 'md5' },
      { maxKeyLength: 31 },
      { l1: { protection: 'seal' } },
      { l1: { maxEntries: 0 } },
      { l1: { maxEntryBytes: 2 * MIB, maxBytes: MIB } },
      { namespace: '' },
    ]) {
      expect(CacheConfigSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('does not share default objects between parses', () => {
    const a = AICacheConfigSchema.parse({});
    (a.operationTtls as Record<string, string>).summarize = '1s';
    expect(AICacheConfigSchema.parse({}).operationTtls.summarize).toBe('2h');
    expect(DEFAULT_OPERATION_TTLS.summarize).toBe('2h');
  });

  it('documents every field, nested ones included', () => {
    const undocumented: string[] = [];
    const visit = (schema: z.ZodType, path: string): void => {
      const def = schema.def as unknown as {
        type: string;
        innerType?: z.ZodType;
        in?: z.ZodType;
        options?: z.ZodType[];
        shape?: Record<string, z.ZodType>;
      };
      const inner = def.innerType ?? def.in;
      if (inner) {
        visit(inner, path);
        return;
      }
      for (const option of def.options ?? []) visit(option, path);
      if (def.type !== 'object') return;
      for (const [key, field] of Object.entries(def.shape ?? {})) {
        if (!field.description) undocumented.push(`${path}${key}`);
        visit(field, `${path}${key}.`);
      }
    };
    visit(CacheConfigSchema, '');
    visit(AICacheConfigSchema, '');
    expect(undocumented).toEqual([]);
  });
});

describe('AICacheConfigSchema', () => {
  it('applies the AI defaults', () => {
    const config = AICacheConfigSchema.parse({});
    expect(config).toMatchObject({
      prefix: 'ai-cache',
      defaultTtl: '1h',
      operationTtls: { summarize: '2h', sentiment: '1h', key_points: '90m', questions: '80m', qa: '1h' },
      textHashThreshold: 1000,
      hashAllText: false,
      compressionThreshold: 1000,
      compression: { codec: 'lz4', threshold: 1000, level: 6 },
      maxTextLength: 100_000,
      sizeTiers: { small: 1000, medium: 10_000 },
      promoteLargeToL1: false,
      l1: {
        maxEntries: 100,
        maxBytes: 16 * MIB,
        maxEntryBytes: MIB,
        protection: 'freeze',
        maxStaleness: '5s',
      },
      failOnConnectionError: false,
    });
    expect(config.redis).toBeUndefined();
  });

  it('folds redisUrl into redis.url', () => {
    const config = AICacheConfigSchema.parse({ redisUrl: 'redis://cache:6379', redis: { db: 3 } });
    expect(config.redis).toEqual({
      url: 'redis://cache:6379',
      db: 3,
      commandTimeoutMs: 1000,
      connectTimeoutMs: 5000,
    });
  });

  it('lets compressionThreshold override compression.threshold', () => {
    expect(AICacheConfigSchema.parse({ compressionThreshold: 10 }).compression.threshold).toBe(10);
    expect(
      AICacheConfigSchema.parse({ compressionThreshold: 10, compression: { threshold: 20 } }).compression
        .threshold,
    ).toBe(10);
    const nestedOnly = AICacheConfigSchema.parse({ compression: { threshold: 20 } });
    expect(nestedOnly.compressionThreshold).toBe(20);
    expect(nestedOnly.compression.threshold).toBe(20);
  });

  it('rejects redisUrl together with redis.url', () => {
    const result = AICacheConfigSchema.safeParse({
      redisUrl: 'redis://a:6379',
      redis: { url: 'redis://b:6379' },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['redisUrl']);
  });

  it('requires sizeTiers.small < sizeTiers.medium when both are set; a default follows the other', () => {
    expect(AICacheConfigSchema.safeParse({ sizeTiers: { small: 10, medium: 10 } }).success).toBe(false);
    expect(AICacheConfigSchema.parse({ sizeTiers: { small: 20_000 } }).sizeTiers).toEqual({
      small: 20_000,
      medium: 20_001,
    });
    expect(AICacheConfigSchema.parse({ sizeTiers: { medium: 500 } }).sizeTiers).toEqual({
      small: 499,
      medium: 500,
    });
    expect(AICacheConfigSchema.parse({ sizeTiers: { small: 10 } }).sizeTiers).toEqual({
      small: 10,
      medium: 10_000,
    });
  });

  it('rejects maxEntryBytes above maxBytes even when other fields fail too', () => {
    const result = AICacheConfigSchema.safeParse({ ttl: 'never', l1: { maxBytes: 100, maxEntryBytes: 200 } });
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['l1.maxEntryBytes', 'ttl']);
  });

  it('validates operation TTLs', () => {
    const result = AICacheConfigSchema.safeParse({ operationTtls: { summarize: 'soon', qa: 0 } });
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'operationTtls.qa',
      'operationTtls.summarize',
    ]);
  });
});

describe('sizeTierOf', () => {
  it('uses < small and < medium boundaries', () => {
    const tiers = { small: 1000, medium: 10_000 };
    expect(sizeTierOf(0, tiers)).toBe('small');
    expect(sizeTierOf(999, tiers)).toBe('small');
    expect(sizeTierOf(1000, tiers)).toBe('medium');
    expect(sizeTierOf(9999, tiers)).toBe('medium');
    expect(sizeTierOf(10_000, tiers)).toBe('large');
  });
});
