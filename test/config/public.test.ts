/**
 * src/config/public.ts, the `ai-response-cache/config` subpath: the schema values (the same
 * objects the main entry builds on first use), usable with the caller's own zod.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as subpath from '../../src/config/public.js';
import {
  type AICacheConfigInput,
  AICacheConfigSchema,
  type CacheConfigInput,
  CacheConfigSchema,
  CompressionCodecSchema,
  checkConfig,
  configSchemas,
  HashAlgorithmSchema,
  L1ProtectionSchema,
  parseConfig,
  RedisConfigSchema,
  RedisTlsSchema,
  SizeTiersSchema,
  TtlSchema,
} from '../../src/config/public.js';
import * as validate from '../../src/config/validate.js';
import { ValidationError } from '../../src/errors.js';

describe('ai-response-cache/config', () => {
  it('exports the schemas configSchemas() builds, the same objects', () => {
    const built = configSchemas();
    expect(AICacheConfigSchema).toBe(built.AICacheConfigSchema);
    expect(CacheConfigSchema).toBe(built.CacheConfigSchema);
    expect(CompressionCodecSchema).toBe(built.CompressionCodecSchema);
    expect(HashAlgorithmSchema).toBe(built.HashAlgorithmSchema);
    expect(L1ProtectionSchema).toBe(built.L1ProtectionSchema);
    expect(RedisConfigSchema).toBe(built.RedisConfigSchema);
    expect(RedisTlsSchema).toBe(built.RedisTlsSchema);
    expect(SizeTiersSchema).toBe(built.SizeTiersSchema);
    expect(TtlSchema).toBe(built.TtlSchema);
    const values = Object.keys(subpath).filter((name) => name.endsWith('Schema'));
    expect(values.sort()).toEqual(Object.keys(built).sort());
  });

  it('exports parseConfig and checkConfig', () => {
    expect(parseConfig).toBe(validate.parseConfig);
    expect(checkConfig).toBe(validate.checkConfig);
    expect(parseConfig(AICacheConfigSchema, { defaultTtl: '2h' }).defaultTtl).toBe('2h');
    expect(() => parseConfig(CacheConfigSchema, { tll: '1h' })).toThrow(ValidationError);
    expect(checkConfig(CacheConfigSchema, { ttl: 0 }).isValid).toBe(false);
  });

  it('composes with the caller’s zod and keeps descriptions for JSON Schema', () => {
    const AppConfig = z.object({ port: z.number(), cache: AICacheConfigSchema });
    const parsed = AppConfig.parse({ port: 3000, cache: { redisUrl: 'redis://cache:6379' } });
    expect(parsed.cache.redis?.url).toBe('redis://cache:6379');
    expect(AppConfig.safeParse({ port: 3000, cache: { ttl: -1 } }).success).toBe(false);
    const json = z.toJSONSchema(CacheConfigSchema, { io: 'input', unrepresentable: 'any' }) as {
      properties: Record<string, { description?: string }>;
    };
    expect(json.properties.maxKeyLength?.description).toMatch(/Default 250/);
  });

  it('types the schemas as before: z.input of a schema is its Input type', () => {
    expectTypeOf<z.input<typeof AICacheConfigSchema>>().toEqualTypeOf<AICacheConfigInput>();
    expectTypeOf<z.input<typeof CacheConfigSchema>>().toEqualTypeOf<CacheConfigInput>();
  });
});
