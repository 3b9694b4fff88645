/**
 * src/config/shared-schema.ts: the pieces both configuration schemas share, built here with this
 * test's own zod (the builders take the zod namespace and load nothing).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseTtl } from '../../src/cache/ttl.js';
import {
  buildSharedSchemas,
  COMPRESSION_CODECS,
  HASH_ALGORITHMS,
  isRecord,
  isRedisUrl,
  L1_PROTECTIONS,
  MIB,
  whenObject,
} from '../../src/config/shared-schema.js';

const {
  TtlSchema,
  RedisUrlSchema,
  RedisConfigSchema,
  RedisTlsSchema,
  L1ProtectionSchema,
  CompressionCodecSchema,
  HashAlgorithmSchema,
  l1Schema,
  compressionSchema,
  prefixSchema,
} = buildSharedSchemas(z);

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

  it('says what was given for a value that is not a number or a string', () => {
    const [issue] = TtlSchema.safeParse(Number.NaN).error?.issues ?? [];
    expect(issue?.message).toMatch(/NaN/);
  });
});

describe('isRedisUrl and RedisUrlSchema', () => {
  it.each(['redis://localhost:6379', 'rediss://user:pw@cache.example.com:6380/2', 'redis://[::1]:6379'])(
    'accepts %s',
    (url) => {
      expect(isRedisUrl(url)).toBe(true);
      expect(RedisUrlSchema.parse(url)).toBe(url);
    },
  );

  it.each(['http://localhost', 'localhost:6379', 'redis://', 'not a url'])('rejects %s', (url) => {
    expect(isRedisUrl(url)).toBe(false);
    expect(RedisUrlSchema.safeParse(url).success).toBe(false);
  });

  it('never echoes the URL (it may carry a password) in its message', () => {
    const message = RedisUrlSchema.safeParse('http://:hunter2@host').error?.issues[0]?.message ?? '';
    expect(message).toMatch(/redis:\/\/ or rediss:\/\//);
    expect(message).not.toContain('hunter2');
  });
});

describe('RedisConfigSchema and RedisTlsSchema', () => {
  it('applies timeouts and rejectUnauthorized defaults', () => {
    expect(RedisConfigSchema.parse({})).toEqual({ commandTimeoutMs: 1000, connectTimeoutMs: 5000 });
    expect(RedisConfigSchema.parse({ tls: {} }).tls).toEqual({ rejectUnauthorized: true });
    expect(RedisConfigSchema.parse({ tls: true }).tls).toBe(true);
    expect(RedisTlsSchema.parse({ caPath: '/ca.pem' })).toEqual({
      caPath: '/ca.pem',
      rejectUnauthorized: true,
    });
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
    expect(RedisTlsSchema.safeParse({ certPath: '' }).success).toBe(false);
  });
});

describe('the enums', () => {
  it('accept exactly the listed values', () => {
    expect(CompressionCodecSchema.options).toEqual([...COMPRESSION_CODECS]);
    expect(HashAlgorithmSchema.options).toEqual([...HASH_ALGORITHMS]);
    expect(L1ProtectionSchema.options).toEqual([...L1_PROTECTIONS]);
    expect(COMPRESSION_CODECS).toEqual(['lz4', 'deflate', 'none']);
    expect(HASH_ALGORITHMS).toEqual(['xxh64', 'sha256']);
    expect(L1_PROTECTIONS).toEqual(['freeze', 'copy', 'none']);
    expect(CompressionCodecSchema.safeParse('zstd').success).toBe(false);
    expect(HashAlgorithmSchema.safeParse('md5').success).toBe(false);
    expect(L1ProtectionSchema.safeParse('seal').success).toBe(false);
  });
});

describe('l1Schema', () => {
  const l1 = l1Schema({ maxEntries: 7, maxBytes: 4 * MIB });

  it('applies its tier defaults to {} and to a missing value', () => {
    const defaults = {
      maxEntries: 7,
      maxBytes: 4 * MIB,
      maxEntryBytes: MIB,
      protection: 'freeze',
      maxStaleness: '5s',
    };
    expect(l1.parse({})).toEqual(defaults);
    expect(l1.parse(undefined)).toEqual(defaults);
    expect(l1.parse(false)).toBe(false);
  });

  it('lets maxEntryBytes follow a smaller maxBytes, and rejects a set maxEntryBytes above a set maxBytes', () => {
    expect(l1.parse({ maxBytes: 1000 })).toMatchObject({ maxBytes: 1000, maxEntryBytes: 1000 });
    const result = l1.safeParse({ maxBytes: 100, maxEntryBytes: 200 });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['maxEntryBytes']);
  });

  it('rejects true and unknown keys', () => {
    expect(l1.safeParse(true).success).toBe(false);
    expect(l1.safeParse({ maxEntires: 5 }).success).toBe(false);
  });
});

describe('compressionSchema and prefixSchema', () => {
  it('apply the given defaults', () => {
    expect(compressionSchema(123).parse(undefined)).toEqual({ codec: 'lz4', threshold: 123, level: 6 });
    expect(prefixSchema('p').parse(undefined)).toBe('p');
  });

  it('validate level, threshold and prefix', () => {
    const compression = compressionSchema(1);
    for (const bad of [{ level: 0 }, { level: 10 }, { threshold: -1 }, { codec: 'zstd' }]) {
      expect(compression.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(prefixSchema('p').safeParse('').success).toBe(false);
    expect(prefixSchema('p').safeParse('a:b').error?.issues[0]?.message).toMatch(/must not contain ':'/);
  });
});

describe('isRecord and whenObject', () => {
  it('tell plain objects from arrays, null and primitives', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord([])).toBe(false);
    expect(isRecord(null)).toBe(false);
    expect(isRecord('x')).toBe(false);
    expect(whenObject.when({ value: { a: 1 } })).toBe(true);
    expect(whenObject.when({ value: 3 })).toBe(false);
  });
});
