/**
 * src/config/ai-schema.ts: the AI cache schema and the size tiers, built here with this test's
 * own zod, and the plain data that goes with them.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type AICacheConfig,
  type AICacheConfigInput,
  type AICacheConfigSchemaType,
  buildAICacheConfigSchema,
  buildSizeTiersSchema,
  DEFAULT_OPERATION_TTLS,
  sizeTierOf,
} from '../../src/config/ai-schema.js';
import { buildCacheConfigSchema } from '../../src/config/cache-schema.js';
import { buildSharedSchemas, MIB } from '../../src/config/shared-schema.js';

const shared = buildSharedSchemas(z);
const SizeTiersSchema = buildSizeTiersSchema(z);
const AICacheConfigSchema = buildAICacheConfigSchema(
  z,
  shared,
  buildCacheConfigSchema(z, shared),
  SizeTiersSchema,
);

describe('buildAICacheConfigSchema', () => {
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

  it('does not share default objects between parses', () => {
    const a = AICacheConfigSchema.parse({});
    (a.operationTtls as Record<string, string>).summarize = '1s';
    expect(AICacheConfigSchema.parse({}).operationTtls.summarize).toBe('2h');
    expect(DEFAULT_OPERATION_TTLS.summarize).toBe('2h');
    expect(Object.isFrozen(DEFAULT_OPERATION_TTLS)).toBe(true);
  });

  it('folds redisUrl into redis.url', () => {
    const config = AICacheConfigSchema.parse({ redisUrl: 'redis://cache:6379', redis: { db: 3 } });
    expect(config.redis).toEqual({
      url: 'redis://cache:6379',
      db: 3,
      commandTimeoutMs: 1000,
      connectTimeoutMs: 5000,
    });
    expect(AICacheConfigSchema.parse({ redisUrl: 'redis://cache:6379' }).redis).toEqual({
      url: 'redis://cache:6379',
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

  it('infers the types of the configuration', () => {
    expectTypeOf<AICacheConfig>().toEqualTypeOf<z.output<AICacheConfigSchemaType>>();
    expectTypeOf<AICacheConfigInput>().toEqualTypeOf<z.input<AICacheConfigSchemaType>>();
    expectTypeOf<AICacheConfig['compressionThreshold']>().toEqualTypeOf<number>();
    expectTypeOf<AICacheConfigInput['compressionThreshold']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<AICacheConfig['sizeTiers']>().toEqualTypeOf<{ small: number; medium: number }>();
  });
});

describe('buildSizeTiersSchema', () => {
  it('requires small < medium when both are set; a default follows the other', () => {
    expect(SizeTiersSchema.safeParse({ small: 10, medium: 10 }).success).toBe(false);
    expect(SizeTiersSchema.parse({ small: 20_000 })).toEqual({ small: 20_000, medium: 20_001 });
    expect(SizeTiersSchema.parse({ medium: 500 })).toEqual({ small: 499, medium: 500 });
    expect(SizeTiersSchema.parse({ small: 10 })).toEqual({ small: 10, medium: 10_000 });
    expect(SizeTiersSchema.parse(undefined)).toEqual({ small: 1000, medium: 10_000 });
  });

  it('reports the conflict on medium, within the AI schema too', () => {
    const result = AICacheConfigSchema.safeParse({ sizeTiers: { small: 10, medium: 10 } });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['sizeTiers.medium']);
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
