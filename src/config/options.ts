/**
 * The configuration options as users write them, as documented interfaces: what an editor shows
 * on hover for every option of `AIResponseCache`, `CacheConfigBuilder.with`, `CacheFactory` and
 * the configuration schemas. Type-only (nothing here exists at run time).
 *
 * Each interface is exactly the input type of its zod schema (`z.input<typeof Schema>`, same
 * keys, same optionality, same types): `test/config/options.test.ts` proves it both ways, so
 * an option added to a schema and not here (or documented here with another type) fails the
 * type check. The `@defaultValue` of every option with a schema default is checked against the
 * schema too.
 *
 * @module
 */
import type { L1Protection } from '../cache/l1.js';
import type { Ttl } from '../cache/ttl.js';
import type { CompressionCodec } from '../compression/types.js';
import type { HashAlgorithm } from '../keys/hash.js';

/** TLS options of the Redis connection (`redis.tls`); input of `RedisTlsSchema`. */
export interface RedisTlsOptions {
  /** Path of a PEM file with the CA certificate(s) to trust (the system CAs when not set). */
  caPath?: string | undefined;
  /** Path of the PEM client certificate, for mutual TLS. */
  certPath?: string | undefined;
  /** Path of the PEM client private key, for mutual TLS. */
  keyPath?: string | undefined;
  /**
   * Verify the server certificate against the trusted CAs. Turning this off makes TLS open to
   * interception (and `validate()` warns).
   * @defaultValue `true`
   */
  rejectUnauthorized?: boolean | undefined;
}

/** Redis connection options (`redis`); input of `RedisConfigSchema`. */
export interface RedisConfigOptions {
  /**
   * Connection URL: `redis://[user[:password]@]host[:port][/db]`, or `rediss://...` for TLS.
   * Never echoed in error messages (it may carry a password).
   */
  url?: string | undefined;
  /**
   * Host name, when no `url` is given.
   * @defaultValue `'127.0.0.1'` (ioredis' default)
   */
  host?: string | undefined;
  /**
   * TCP port, 1-65535.
   * @defaultValue `6379` (ioredis' default)
   */
  port?: number | undefined;
  /** ACL user name. */
  username?: string | undefined;
  /** Password: never logged, redacted in `toJSON()`, `util.inspect` and error messages. */
  password?: string | undefined;
  /**
   * Logical database index (integer \>= 0).
   * @defaultValue `0` (the server's default)
   */
  db?: number | undefined;
  /** `true` to enable TLS with the system CAs, or TLS options. `rediss://` URLs enable TLS too. */
  tls?: boolean | RedisTlsOptions | undefined;
  /** Prefix the Redis client prepends to every key, in addition to the cache's `prefix`. */
  keyPrefix?: string | undefined;
  /**
   * Milliseconds after which a Redis command is abandoned: a read becomes a miss, a write is
   * dropped (and an `error` event says so).
   * @defaultValue `1000`
   */
  commandTimeoutMs?: number | undefined;
  /**
   * Milliseconds allowed to establish the connection.
   * @defaultValue `5000`
   */
  connectTimeoutMs?: number | undefined;
}

/** The in-process L1 tier of the generic cache (`l1` of `CacheConfigSchema`). */
export interface L1ConfigOptions {
  /**
   * Maximum number of entries held in memory.
   * @defaultValue `1000`
   */
  maxEntries?: number | undefined;
  /**
   * Maximum total size in bytes: serialized value + key + a fixed per-entry overhead, about the
   * heap the entries take.
   * @defaultValue `67108864` (64 MiB)
   */
  maxBytes?: number | undefined;
  /**
   * Entries larger than this many bytes (encoded) are never held in L1.
   * @defaultValue `1048576` (1 MiB), or `maxBytes` when that is smaller
   */
  maxEntryBytes?: number | undefined;
  /**
   * TTL of L1 entries, capped by the entry's own TTL (an L1 copy never outlives the L2 entry).
   * Milliseconds or a duration string (`'30s'`).
   * @defaultValue the entry's TTL
   */
  ttl?: Ttl | undefined;
  /**
   * How L1 protects cached values from mutation by callers: `'freeze'` (deep-frozen once, hits
   * cost nothing, mutation throws), `'copy'` (`structuredClone` on every hit) or `'none'`.
   * @defaultValue `'freeze'`
   */
  protection?: L1Protection | undefined;
  /**
   * Longest L1 lifetime when no live invalidation bus vouches for L1: over Redis with
   * `bus: false`, and while the bus is not yet started or down (messages may be missed).
   * @defaultValue `'5s'`
   */
  maxStaleness?: Ttl | undefined;
}

/** The in-process L1 tier of `AIResponseCache` (`l1` of `AICacheConfigSchema`): fewer, larger entries. */
export interface AIL1ConfigOptions extends L1ConfigOptions {
  /**
   * Maximum number of answers held in memory.
   * @defaultValue `100`
   */
  maxEntries?: number | undefined;
  /**
   * Maximum total size in bytes: serialized answer + key + a fixed per-entry overhead, about the
   * heap the entries take.
   * @defaultValue `16777216` (16 MiB)
   */
  maxBytes?: number | undefined;
}

/** Compression of stored entries of the generic cache (`compression` of `CacheConfigSchema`). */
export interface CompressionConfigOptions {
  /**
   * Codec of payloads at or above `threshold`: `'lz4'` (fast), `'deflate'` (smaller) or `'none'`.
   * A compressed payload is kept only when it is actually smaller.
   * @defaultValue `'lz4'`
   */
  codec?: CompressionCodec | undefined;
  /**
   * Serialized payloads smaller than this many bytes are stored uncompressed.
   * @defaultValue `1024`
   */
  threshold?: number | undefined;
  /**
   * Compression level, 1 (fastest) to 9 (smallest); used by deflate.
   * @defaultValue `6`
   */
  level?: number | undefined;
}

/** Compression of stored answers of `AIResponseCache` (`compression` of `AICacheConfigSchema`). */
export interface AICompressionConfigOptions extends CompressionConfigOptions {
  /**
   * Serialized answers smaller than this many bytes are stored uncompressed. The top-level
   * `compressionThreshold` overrides it.
   * @defaultValue `1000`
   */
  threshold?: number | undefined;
}

/** Character-count boundaries of the text size tiers (`sizeTiers`); input of `SizeTiersSchema`. */
export interface SizeTiersOptions {
  /**
   * Texts shorter than this many characters are `'small'`.
   * @defaultValue `1000`, or `medium - 1` when that is smaller
   */
  small?: number | undefined;
  /**
   * Texts shorter than this many characters (and not small) are `'medium'`, longer ones
   * `'large'` (\>= 2).
   * @defaultValue `10000`, or `small + 1` when that is larger
   */
  medium?: number | undefined;
}

/**
 * Configuration of the generic two-tier cache as users write it: the input of
 * `CacheConfigSchema` (`CacheFactory.forWebApp`). Unknown keys are rejected with a "did you
 * mean" hint.
 */
export interface CacheConfigOptions {
  /**
   * First part of every key (`prefix:namespace::key`); non-empty, without `:`.
   * @defaultValue `'cache'`
   */
  prefix?: string | undefined;
  /** Optional second part of every key: a tenant, an application version... */
  namespace?: string | undefined;
  /**
   * Default TTL of entries: milliseconds (a number \> 0) or a duration string (`'500ms'`,
   * `'30s'`, `'5m'`, `'2h'`, `'1d'`, `'1h30m'`), at most `MAX_TTL_MS` (10 years).
   * @defaultValue `'1h'`
   */
  ttl?: Ttl | undefined;
  /**
   * The in-process L1 tier holding decoded values, or `false` to disable it.
   * @defaultValue `{}`: enabled, with the defaults of its options
   */
  l1?: false | L1ConfigOptions | undefined;
  /**
   * Compression of stored entries.
   * @defaultValue `{}`: lz4 from 1024 bytes
   */
  compression?: CompressionConfigOptions | undefined;
  /**
   * Hash used for long key parts: `'xxh64'` (fast, not collision-resistant) or `'sha256'`
   * (for keys an adversary can choose).
   * @defaultValue `'xxh64'`
   */
  hashAlgorithm?: HashAlgorithm | undefined;
  /**
   * Keys longer than this (UTF-8 bytes) are replaced by their hash; at least 32.
   * @defaultValue `250`
   */
  maxKeyLength?: number | undefined;
  /**
   * Redis (L2) connection.
   * @defaultValue none: an L1-only cache
   */
  redis?: RedisConfigOptions | undefined;
  /**
   * Throw `InfrastructureError` when Redis cannot be reached, instead of degrading to misses
   * (memory) with a `degraded` event.
   * @defaultValue `false`
   */
  failOnConnectionError?: boolean | undefined;
  /**
   * Falling back to the memory tier while Redis fails also emits a one-time process warning
   * (code `AIRC_FALLBACK`) besides the `degraded` event; `false` silences it.
   * @defaultValue `true`
   */
  fallbackWarning?: boolean | undefined;
}

/**
 * Configuration of `AIResponseCache` as users write it: the generic cache options plus the AI
 * options; the input of `AICacheConfigSchema`. Unknown keys are rejected with a "did you mean"
 * hint.
 */
export interface AICacheOptions extends CacheConfigOptions {
  /**
   * First part of every key (`prefix:ai:{operation}:...`); non-empty, without `:`.
   * @defaultValue `'ai-cache'`
   */
  prefix?: string | undefined;
  /**
   * The in-process L1 tier holding decoded answers, or `false` to disable it.
   * @defaultValue `{}`: enabled, with the defaults of its options
   */
  l1?: false | AIL1ConfigOptions | undefined;
  /**
   * Compression of stored answers.
   * @defaultValue `{}`: lz4 from 1000 bytes
   */
  compression?: AICompressionConfigOptions | undefined;
  /** Shorthand for `redis.url`; setting both is an error. */
  redisUrl?: string | undefined;
  /**
   * TTL of answers whose operation has no entry in `operationTtls`. Milliseconds or a duration
   * string: `60` is 60 ms (and `validate()` warns), `'60s'` a minute.
   * @defaultValue `'1h'`
   */
  defaultTtl?: Ttl | undefined;
  /**
   * TTL per operation name, e.g. `{ summarize: '2h' }`. Setting it replaces the default table.
   * @defaultValue `{ summarize: '2h', sentiment: '1h', key_points: '90m', questions: '80m', qa: '1h' }`
   */
  operationTtls?: Record<string, Ttl> | undefined;
  /**
   * Texts of at least this many characters are hashed in keys; shorter ones are embedded
   * (escaped).
   * @defaultValue `1000`
   */
  textHashThreshold?: number | undefined;
  /**
   * Always hash the text part of keys, so that no prompt text reaches Redis key names.
   * @defaultValue `false`
   */
  hashAllText?: boolean | undefined;
  /**
   * Answers of at least this many bytes (serialized) are compressed. Overrides
   * `compression.threshold`; when only `compression.threshold` is set, it is used here too.
   * @defaultValue `compression.threshold`, whose default is 1000
   */
  compressionThreshold?: number | undefined;
  /**
   * Longest accepted text, in characters; a longer one is a `ValidationError`.
   * @defaultValue `100000`
   */
  maxTextLength?: number | undefined;
  /**
   * Character-count boundaries of the text size tiers (`< small`: small, `< medium`: medium,
   * else large), reported in stats and driving L1 admission.
   * @defaultValue `{}`: small below 1000, medium below 10000
   */
  sizeTiers?: SizeTiersOptions | undefined;
  /**
   * Keep answers of `'large'` texts in L1 too (by default only small and medium ones are).
   * @defaultValue `false`
   */
  promoteLargeToL1?: boolean | undefined;
}

/** Configuration of `AIResponseCache` as users write it (see {@link AICacheOptions}). */
export type AICacheConfigInput = AICacheOptions;
/** Configuration of the generic cache as users write it (see {@link CacheConfigOptions}). */
export type CacheConfigInput = CacheConfigOptions;
/** Redis connection options as users write them (see {@link RedisConfigOptions}). */
export type RedisConfigInput = RedisConfigOptions;
