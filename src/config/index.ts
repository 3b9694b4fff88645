/**
 * Configuration of the cache: zod schemas (the single source of truth for options, defaults
 * and docs), validation with complete error lists, presets, environment variables and a
 * fluent builder.
 *
 * @module
 */
export {
  type AIFeatureOptions,
  CacheConfigBuilder,
  type CompressionOptions,
  type MemoryCacheOptions,
  type RedisOptions,
  type SecurityOptions,
} from './builder.js';
export {
  configFromEnvironment,
  ENVIRONMENT_PRESETS,
  ENVIRONMENT_VARIABLES,
  type EnvironmentReading,
  type EnvironmentVariable,
  type EnvironmentVariableKind,
  readEnvironment,
} from './env.js';
export type {
  AICacheConfigInput,
  AICacheOptions,
  AICompressionConfigOptions,
  AIL1ConfigOptions,
  CacheConfigInput,
  CacheConfigOptions,
  CompressionConfigOptions,
  L1ConfigOptions,
  RedisConfigInput,
  RedisConfigOptions,
  RedisTlsOptions,
  SizeTiersOptions,
} from './options.js';
export { type EnvironmentName, EnvironmentPresets, LOCAL_REDIS_URL } from './presets.js';
export { protectSecrets, REDACTED, redactConfig, redactUrl } from './redact.js';
export {
  type AICacheConfig,
  AICacheConfigSchema,
  type CacheConfig,
  CacheConfigSchema,
  CompressionCodecSchema,
  type CompressionConfig,
  DEFAULT_OPERATION_TTLS,
  HashAlgorithmSchema,
  type L1Config,
  L1ProtectionSchema,
  type RedisConfig,
  RedisConfigSchema,
  type RedisTlsConfig,
  RedisTlsSchema,
  type SizeTier,
  SizeTiersSchema,
  sizeTierOf,
  TtlSchema,
} from './schema.js';
export { type ConfigCheckResult, checkConfig, type ParseConfigOptions, parseConfig } from './validate.js';
