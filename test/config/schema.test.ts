/**
 * src/config/schema.ts: the schemas built on first use. `configSchemas()` builds every public
 * schema once (loading zod then: test/runtime/lazy-dependencies.test.ts shows it in a fresh
 * process) and returns the same objects on every call.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { AICacheConfigSchemaType } from '../../src/config/ai-schema.js';
import type { CacheConfigSchemaType } from '../../src/config/cache-schema.js';
import {
  type AICacheConfig,
  type AICacheConfigInput,
  type CacheConfigInput,
  type ConfigSchemas,
  configSchemas,
  DEFAULT_OPERATION_TTLS,
  sizeTierOf,
} from '../../src/config/schema.js';

describe('configSchemas', () => {
  it('returns the same frozen set of schemas on every call', () => {
    const first = configSchemas();
    expect(configSchemas()).toBe(first);
    expect(configSchemas().AICacheConfigSchema).toBe(first.AICacheConfigSchema);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.keys(first).sort()).toEqual([
      'AICacheConfigSchema',
      'CacheConfigSchema',
      'CompressionCodecSchema',
      'HashAlgorithmSchema',
      'L1ProtectionSchema',
      'RedisConfigSchema',
      'RedisTlsSchema',
      'SizeTiersSchema',
      'TtlSchema',
    ]);
  });

  it('builds zod schemas that parse: the AI schema extends the generic one, with its own defaults', () => {
    const { AICacheConfigSchema, CacheConfigSchema, RedisConfigSchema, TtlSchema } = configSchemas();
    expect(CacheConfigSchema).toBeInstanceOf(z.ZodType);
    expect(Object.keys(AICacheConfigSchema.in.shape)).toEqual(
      expect.arrayContaining(Object.keys(CacheConfigSchema.shape)),
    );
    expect(CacheConfigSchema.parse({}).prefix).toBe('cache');
    expect(AICacheConfigSchema.parse({}).prefix).toBe('ai-cache');
    expect(AICacheConfigSchema.parse({}).operationTtls).toEqual(DEFAULT_OPERATION_TTLS);
    expect(RedisConfigSchema.parse({}).commandTimeoutMs).toBe(1000);
    expect(TtlSchema.safeParse('5 parsecs').success).toBe(false);
  });

  it('documents every field of every schema, nested ones included', () => {
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
    for (const [name, schema] of Object.entries(configSchemas())) {
      if (!schema.description) undocumented.push(name);
      visit(schema, `${name}:`);
    }
    expect(undocumented).toEqual([]);
  });

  it('keeps the public types those of the schemas', () => {
    expectTypeOf<ConfigSchemas['AICacheConfigSchema']>().toEqualTypeOf<AICacheConfigSchemaType>();
    expectTypeOf<ConfigSchemas['CacheConfigSchema']>().toEqualTypeOf<CacheConfigSchemaType>();
    expectTypeOf<AICacheConfig>().toEqualTypeOf<z.output<ConfigSchemas['AICacheConfigSchema']>>();
    expectTypeOf<AICacheConfigInput>().toEqualTypeOf<z.input<ConfigSchemas['AICacheConfigSchema']>>();
    expectTypeOf<CacheConfigInput>().toEqualTypeOf<z.input<ConfigSchemas['CacheConfigSchema']>>();
  });

  it('re-exports the plain helpers of the AI schema', () => {
    expect(sizeTierOf(5, { small: 10, medium: 20 })).toBe('small');
  });
});
