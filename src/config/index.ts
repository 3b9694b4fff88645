/**
 * Configuration of the cache: zod schemas (the single source of truth for options, defaults
 * and docs; built on first use by `configSchemas()`, as values in `ai-response-cache/config`),
 * validation with complete error lists, presets, environment variables and a fluent builder.
 * Importing this module does not load zod.
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
  type CacheConfig,
  type CompressionConfig,
  type ConfigSchemas,
  configSchemas,
  DEFAULT_OPERATION_TTLS,
  type L1Config,
  type RedisConfig,
  type RedisTlsConfig,
  type SizeTier,
  sizeTierOf,
} from './schema.js';
export { type ConfigCheckResult, checkConfig, type ParseConfigOptions, parseConfig } from './validate.js';
