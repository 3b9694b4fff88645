/**
 * src/config/cache-schema.ts: the generic cache schema, built here with this test's own zod.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  buildCacheConfigSchema,
  type CacheConfig,
  type CacheConfigInput,
  type CacheConfigSchemaType,
  type CompressionConfig,
  type L1Config,
} from '../../src/config/cache-schema.js';
import { buildSharedSchemas, MIB } from '../../src/config/shared-schema.js';

const CacheConfigSchema = buildCacheConfigSchema(z, buildSharedSchemas(z));

describe('buildCacheConfigSchema', () => {
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

  it('checks a namespace with the key rules of Cache.namespace(), among the other problems', () => {
    expect(CacheConfigSchema.parse({ namespace: 'tenant-1' }).namespace).toBe('tenant-1');
    const result = CacheConfigSchema.safeParse({ namespace: 'a:b', ttl: 0 });
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['namespace', 'ttl']);
  });

  it('rejects unknown keys', () => {
    const result = CacheConfigSchema.safeParse({ TTL: 1 });
    expect(result.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['TTL'] });
  });

  it('infers the types of the configuration', () => {
    expectTypeOf<CacheConfig>().toEqualTypeOf<z.output<CacheConfigSchemaType>>();
    expectTypeOf<CacheConfigInput>().toEqualTypeOf<z.input<CacheConfigSchemaType>>();
    expectTypeOf<L1Config>().toEqualTypeOf<CacheConfig['l1']>();
    expectTypeOf<CompressionConfig>().toEqualTypeOf<CacheConfig['compression']>();
    expectTypeOf<CacheConfigInput['ttl']>().toEqualTypeOf<string | number | undefined>();
    expectTypeOf<CacheConfig['hashAlgorithm']>().toEqualTypeOf<'xxh64' | 'sha256'>();
  });
});
