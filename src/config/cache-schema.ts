/**
 * The schema of the generic two-tier cache (`CacheConfigSchema`, used by `CacheFactory` and
 * extended by the AI schema), built with a zod namespace and the shared pieces (schema.ts builds
 * it on first use; nothing here loads zod), and the types inferred from it.
 *
 * @module
 */
import type { z } from 'zod';
import type { ValidationError } from '../errors.js';
import { KeyBuilder } from '../keys/key-builder.js';
import { MIB, type SharedSchemas, type Zod } from './shared-schema.js';

/**
 * Builds the configuration schema of the generic two-tier cache. Unknown keys are rejected
 * (with a "did you mean" hint when parsed through `parseConfig`).
 */
export function buildCacheConfigSchema(z: Zod, shared: SharedSchemas) {
  const { TtlSchema, RedisConfigSchema, HashAlgorithmSchema, l1Schema, compressionSchema, prefixSchema } =
    shared;
  return z
    .strictObject({
      /**
       * First part of every key (`prefix:namespace:key`).
       * @default 'cache'
       */
      prefix: prefixSchema('cache'),
      /** Optional second part of every key, e.g. a tenant or an application version. */
      namespace: z
        .string()
        .min(1)
        .superRefine((value, ctx) => {
          // The same rule as Cache.namespace(), reported with the other problems of the configuration.
          try {
            KeyBuilder.validatePart(value, 'namespace');
          } catch (error) {
            for (const issue of (error as ValidationError).issues)
              ctx.addIssue({ code: 'custom', message: issue.message });
          }
        })
        .optional()
        .describe('Optional second part of every key (tenant, app version...).'),
      /**
       * Default TTL of entries.
       * @default '1h'
       */
      ttl: TtlSchema.default('1h').describe("Default TTL of entries. Default '1h'."),
      /**
       * The in-process L1 tier, or `false` to disable it.
       * @default { maxEntries: 1000, maxBytes: 64 MiB, maxEntryBytes: 1 MiB, protection: 'freeze' }
       */
      l1: l1Schema({ maxEntries: 1000, maxBytes: 64 * MIB }),
      /**
       * Compression of stored entries.
       * @default { codec: 'lz4', threshold: 1024, level: 6 }
       */
      compression: compressionSchema(1024),
      /**
       * Hash used for long key parts.
       * @default 'xxh64'
       */
      hashAlgorithm: HashAlgorithmSchema.default('xxh64').describe(
        "Hash used for long key parts: 'xxh64' or 'sha256'. Default 'xxh64'.",
      ),
      /**
       * Longer keys are hashed down to fit.
       * @default 250
       */
      maxKeyLength: z
        .number()
        .int()
        .min(32)
        .default(250)
        .describe('Keys longer than this are shortened with a hash (>= 32). Default 250.'),
      /** Redis (L2) connection; omit for an L1-only cache. */
      redis: RedisConfigSchema.optional().describe('Redis (L2) connection; omit for an L1-only cache.'),
      /**
       * Make connection failures fatal instead of degrading to cache misses.
       * @default false
       */
      failOnConnectionError: z
        .boolean()
        .default(false)
        .describe('Throw when Redis cannot be reached instead of degrading to misses. Default false.'),
      /**
       * Falling back to the memory tier while Redis fails also emits a one-time process warning
       * (code `AIRC_FALLBACK`) besides the `degraded` event; `false` silences it.
       * @default true
       */
      fallbackWarning: z
        .boolean()
        .default(true)
        .describe(
          'Emit a one-time process warning (AIRC_FALLBACK) when Redis fails and the cache falls back to memory. Default true.',
        ),
    })
    .describe('Configuration of the generic two-tier cache.');
}

/** The type of `CacheConfigSchema`. */
export type CacheConfigSchemaType = ReturnType<typeof buildCacheConfigSchema>;

/** Resolved configuration of the generic cache (defaults applied). */
export type CacheConfig = z.output<CacheConfigSchemaType>;
/** Configuration of the generic cache as users write it (every defaulted option optional). */
export type CacheConfigInput = z.input<CacheConfigSchemaType>;
/** Resolved L1 options (`false` when disabled). */
export type L1Config = CacheConfig['l1'];
/** Resolved compression options. */
export type CompressionConfig = CacheConfig['compression'];
