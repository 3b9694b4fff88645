/**
 * Configuration schemas: the single source of truth for every option, its default and its
 * documentation, built on first use. zod (225 files) loads when a configuration is first parsed
 * or validated ({@link configSchemas}), not when the package is imported; the schema values are
 * exported eagerly by the `ai-response-cache/config` subpath (public.ts).
 *
 * The resolved configuration types are inferred from the schemas; what users write (`*Input`)
 * is the documented interfaces of options.ts, kept equal to the schemas' input types by a test.
 *
 * @module
 */
import { nodeRequire } from '../node-require.js';
import { buildAICacheConfigSchema, buildSizeTiersSchema } from './ai-schema.js';
import { buildCacheConfigSchema } from './cache-schema.js';
import { buildSharedSchemas, type Zod } from './shared-schema.js';

export {
  type AICacheConfig,
  type AICacheConfigSchemaType,
  DEFAULT_OPERATION_TTLS,
  type SizeTier,
  sizeTierOf,
} from './ai-schema.js';
export type {
  CacheConfig,
  CacheConfigSchemaType,
  CompressionConfig,
  L1Config,
} from './cache-schema.js';
// What users write: the documented interfaces (options.ts), proven equal to the schemas' input
// types by test/config/options.test.ts.
export type { AICacheConfigInput, CacheConfigInput, RedisConfigInput } from './options.js';
export {
  COMPRESSION_CODECS,
  type CompressionCodec,
  HASH_ALGORITHMS,
  type HashAlgorithm,
  isRedisUrl,
  L1_PROTECTIONS,
  type RedisConfig,
  type RedisTlsConfig,
} from './shared-schema.js';

/** Builds every public schema with `z`. */
function buildSchemas(z: Zod) {
  const shared = buildSharedSchemas(z);
  const CacheConfigSchema = buildCacheConfigSchema(z, shared);
  const SizeTiersSchema = buildSizeTiersSchema(z);
  const AICacheConfigSchema = buildAICacheConfigSchema(z, shared, CacheConfigSchema, SizeTiersSchema);
  return Object.freeze({
    AICacheConfigSchema,
    CacheConfigSchema,
    CompressionCodecSchema: shared.CompressionCodecSchema,
    HashAlgorithmSchema: shared.HashAlgorithmSchema,
    L1ProtectionSchema: shared.L1ProtectionSchema,
    RedisConfigSchema: shared.RedisConfigSchema,
    RedisTlsSchema: shared.RedisTlsSchema,
    SizeTiersSchema,
    TtlSchema: shared.TtlSchema,
  });
}

/** The configuration schemas (zod), as {@link configSchemas} returns them. */
export type ConfigSchemas = ReturnType<typeof buildSchemas>;

let built: ConfigSchemas | undefined;

/**
 * The configuration schemas (zod): `AICacheConfigSchema`, `CacheConfigSchema` and their parts,
 * built on the first call (which loads zod) and the same objects on every later call. The
 * `ai-response-cache/config` subpath exports them as values.
 *
 * @example
 * ```ts
 * const { AICacheConfigSchema } = configSchemas();
 * const config = parseConfig(AICacheConfigSchema, JSON.parse(text), { source: 'cache.json' });
 * ```
 */
export function configSchemas(): ConfigSchemas {
  built ??= buildSchemas((nodeRequire('zod') as { z: Zod }).z);
  return built;
}
