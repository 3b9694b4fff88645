/**
 * ai-response-cache: the public API of the core package.
 *
 * Integrations that need optional peers live behind subpath exports (`ai-response-cache/openai`,
 * `ai-response-cache/testing`), and so does the benchmark API (`ai-response-cache/bench`). The
 * list is explicit (named exports only, types apart) and kept sorted by module path by the
 * formatter, so each module's public names stand together. Only what a user of the package needs
 * is here: internals (envelope constants, timing and key helpers) are imported by tests from
 * their own module.
 *
 * @module
 */

export type {
  AIResponseCacheOptions,
  AIResponseCacheStats,
  CacheResponseArgs,
  PreparedRequest,
  ResponseHit,
  ResponseMeta,
  ResponseRequest,
  ResponseUsage,
  SavingsStats,
  SliceStats,
  TtlContext,
  TtlSetting,
} from './ai-cache/ai-response-cache.js';
export { AIResponseCache } from './ai-cache/ai-response-cache.js';
export { createCallPath } from './ai-cache/call/path.js';
export { cacheStatus, markStatus } from './ai-cache/call/status.js';
export type {
  CacheStatus,
  CallPath,
  CallPathOptions,
  CallResult,
  CallStream,
  EachResult,
  LockSettings,
  PerCallCacheOptions,
  PreparedCall,
  Produced,
  ProducedEach,
  Producer,
  ProviderCodec,
  SamplingPolicy,
} from './ai-cache/call/types.js';
export type { TestingCacheOptions, WebAppCacheOptions } from './ai-cache/factory.js';
export { CacheFactory } from './ai-cache/factory.js';
export { redisBackendFromConfig, redisOptionsFromConfig } from './ai-cache/from-config.js';
export type { DiskBackendOptions } from './backends/disk.js';
export { DiskBackend } from './backends/disk.js';
export { HttpBackend } from './backends/http.js';
export type { HttpBackendOptions } from './backends/http-options.js';
export type { MemoryBackendOptions } from './backends/memory.js';
export { MemoryBackend } from './backends/memory.js';
export type { RedisBackendOptions, RedisBackendStatus } from './backends/redis.js';
export { RedisBackend } from './backends/redis.js';
export type {
  BackendEntry,
  BackendHealth,
  BackendHealthChange,
  BackendHealthState,
  CacheBackend,
} from './backends/types.js';
export type {
  BusStatusListener,
  InvalidationBus,
  InvalidationHandler,
  InvalidationMessage,
  LocalBusHub,
  LocalInvalidationBusOptions,
  RedisInvalidationBusOptions,
} from './bus/index.js';
export { createLocalBusHub, LocalInvalidationBus, RedisInvalidationBus } from './bus/index.js';
export { Cache, createCache } from './cache/cache.js';
export type { DisableableOp } from './cache/disabling.js';
export { disabling, isDisabled } from './cache/disabling.js';
export type {
  CacheCallbacks,
  CacheEvent,
  CacheEventName,
  CacheListener,
  CacheOp,
  CacheTier,
  ErrorEventOptions,
  GetContext,
  SetContext,
} from './cache/events.js';
export type { L1Options, L1Protection } from './cache/l1.js';
export type { Ttl } from './cache/ttl.js';
export { MAX_TTL_MS, parseTtl, tryParseTtl, ttlProblem } from './cache/ttl.js';
export type {
  BreakerStats,
  CacheOptions,
  CacheStats,
  CacheStrategy,
  GetOrSetOptions,
  LookupOptions,
  LookupResult,
  LookupSource,
  NamespaceOptions,
  Ownership,
  Resolved,
  ResolveStatus,
  SetOptions,
  SetResult,
  TierStats,
  WrapOptions,
} from './cache/types.js';
export type {
  CodecOptions,
  CompressionCodec,
  DecodedEntry,
  EncodedEntry,
  EntryCodec,
  EntryMeta,
  Serializer,
} from './compression/index.js';
export { jsonSerializer } from './compression/index.js';
export type {
  AICacheConfig,
  AICacheConfigInput,
  AICacheOptions,
  AICompressionConfigOptions,
  AIFeatureOptions,
  AIL1ConfigOptions,
  CacheConfig,
  CacheConfigInput,
  CacheConfigOptions,
  CompressionConfig,
  CompressionConfigOptions,
  CompressionOptions,
  ConfigCheckResult,
  ConfigSchemas,
  EnvironmentName,
  EnvironmentReading,
  EnvironmentVariable,
  EnvironmentVariableKind,
  L1Config,
  L1ConfigOptions,
  MemoryCacheOptions,
  ParseConfigOptions,
  RedisConfig,
  RedisConfigInput,
  RedisConfigOptions,
  RedisOptions as BuilderRedisOptions,
  RedisTlsConfig,
  RedisTlsOptions,
  SecurityOptions,
  SizeTier,
  SizeTiersOptions,
} from './config/index.js';
// The zod schema values are in `ai-response-cache/config` (src/config/public.ts): importing this
// entry does not load zod; configSchemas() and everything that parses a configuration load it.
export {
  CacheConfigBuilder,
  checkConfig,
  configFromEnvironment,
  configSchemas,
  DEFAULT_OPERATION_TTLS,
  ENVIRONMENT_PRESETS,
  ENVIRONMENT_VARIABLES,
  EnvironmentPresets,
  LOCAL_REDIS_URL,
  parseConfig,
  protectSecrets,
  REDACTED,
  readEnvironment,
  redactConfig,
  redactUrl,
  sizeTierOf,
} from './config/index.js';
export type {
  CacheErrorOptions,
  ErrorCode,
  FailureScope,
  InfrastructureErrorOptions,
  ValidationIssue,
} from './errors.js';
export {
  CacheError,
  CircuitOpenError,
  ConfigurationError,
  ErrorCodes,
  httpStatusFor,
  InfrastructureError,
  LockTimeoutError,
  SerializationError,
  TimeoutError,
  ValidationError,
} from './errors.js';
export type { CacheKey, HashAlgorithm, Hasher, KeyBuilderOptions } from './keys/index.js';
export { KeyBuilder, stableStringify } from './keys/index.js';
export type { RedisLockOptions } from './locks/redis-lock.js';
export { RedisLock } from './locks/redis-lock.js';
export type { StampedeLockOptions } from './locks/stampede.js';
export type { DistributedLock, LockHandle, WaitOutcome } from './locks/types.js';
export type {
  Alert,
  AlertingCallbackOptions,
  AlertKind,
  AlertListener,
  AuditCallbackOptions,
  AuditOp,
  AuditRecord,
  OperationStats,
  PerformanceCallbackOptions,
  PerformanceOp,
  PerformanceReport,
  SlowOperation,
} from './observability/index.js';
export {
  AlertingCallback,
  AUDIT_OPS,
  AuditCallback,
  PERFORMANCE_OPS,
  PerformanceCallback,
} from './observability/index.js';
export { aiOperationOfKey, LabelCap, namespaceOfKey } from './observability/labels.js';
export {
  readSharedStats,
  type SharedStats,
  type SharedStatsRow,
  type SharedStatsSnapshot,
  type ShareStatsOptions,
  sharedStatsKey,
  shareStats,
} from './observability/shared-stats.js';
export type {
  BreakerOptions,
  ChannelListener,
  RedisConnectionOptions,
  RedisRunOptions,
  Subscription,
} from './redis/index.js';
export { RedisConnection } from './redis/index.js';
export type { WarningCode } from './warnings.js';
export { WarningCodes } from './warnings.js';
