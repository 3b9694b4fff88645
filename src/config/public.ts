/**
 * `ai-response-cache/config`: the configuration schemas as zod values, for validating a
 * configuration yourself, composing it into your own schema, or generating docs or a JSON
 * Schema from it. Importing this subpath loads zod; the main entry does not (it builds the
 * schemas on the first configuration it parses, and `configSchemas()` returns these same
 * objects).
 *
 * In the package build this module imports the core through the package's own name
 * (tsup.config.ts), so the schemas here are the ones the main entry uses.
 *
 * @example
 * ```ts
 * import { AICacheConfigSchema, parseConfig } from 'ai-response-cache/config';
 * const config = parseConfig(AICacheConfigSchema, JSON.parse(text), { source: 'cache.json' });
 * ```
 *
 * @module
 */
import { configSchemas } from './schema.js';

const schemas = configSchemas();

/**
 * Configuration of `AIResponseCache`: the generic cache configuration plus AI options.
 * Parsing resolves aliases: `redisUrl` lands in `redis.url` and `compressionThreshold` in
 * `compression.threshold`.
 */
export const AICacheConfigSchema = schemas.AICacheConfigSchema;
/**
 * Configuration of the generic two-tier cache. Unknown keys are rejected (with a "did you
 * mean" hint when parsed through `parseConfig`).
 */
export const CacheConfigSchema = schemas.CacheConfigSchema;
/** Compression codecs of stored entries: `'lz4'`, `'deflate'`, `'none'`. */
export const CompressionCodecSchema = schemas.CompressionCodecSchema;
/** Hash algorithms used for long key parts: `'xxh64'`, `'sha256'`. */
export const HashAlgorithmSchema = schemas.HashAlgorithmSchema;
/** How L1 protects cached values from caller mutation: `'freeze'`, `'copy'`, `'none'`. */
export const L1ProtectionSchema = schemas.L1ProtectionSchema;
/** Redis connection options. */
export const RedisConfigSchema = schemas.RedisConfigSchema;
/** TLS options of the Redis connection. */
export const RedisTlsSchema = schemas.RedisTlsSchema;
/** Character-count boundaries of the text size tiers (`small < medium`). */
export const SizeTiersSchema = schemas.SizeTiersSchema;
/**
 * A time to live: a positive number of milliseconds or a duration string accepted by
 * `parseTtl` (`'500ms'`, `'30s'`, `'5m'`, `'2h'`, `'1d'`, `'1h30m'`), at most `MAX_TTL_MS`
 * (10 years). The value is validated and kept as written.
 */
export const TtlSchema = schemas.TtlSchema;

export {
  type AICacheConfig,
  type AICacheConfigInput,
  type CacheConfig,
  type CacheConfigInput,
  type ConfigSchemas,
  configSchemas,
  type RedisConfig,
  type RedisConfigInput,
  type RedisTlsConfig,
} from './schema.js';
export { type ConfigCheckResult, checkConfig, type ParseConfigOptions, parseConfig } from './validate.js';
