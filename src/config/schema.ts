/**
 * Configuration schemas: the single source of truth for every option, its default and its
 * documentation. TypeScript types are inferred from them: `*Input` types describe what users
 * write (defaults are optional), the plain types describe the resolved configuration.
 *
 * @module
 */
import { z } from 'zod';
import { type Ttl, ttlProblem } from '../cache/ttl.js';
import type { ValidationError } from '../errors.js';
import { KeyBuilder } from '../keys/key-builder.js';

const MIB = 1024 * 1024;

/** Whether a value is a non-null, non-array object. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs object-level refinements whenever the value is an object, even if fields already failed. */
const whenObject = { when: (payload: { value: unknown }) => isRecord(payload.value) };

/** Whether `value` is a parseable `redis://` or `rediss://` URL with a host. */
export function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * A time to live: a positive number of milliseconds or a duration string accepted by
 * `parseTtl` (`'500ms'`, `'30s'`, `'5m'`, `'2h'`, `'1d'`, `'1h30m'`), at most `MAX_TTL_MS`
 * (10 years). The value is validated and kept as written.
 */
export const TtlSchema = z
  .union([z.number(), z.string()], {
    // NaN and ±Infinity are not zod numbers: say what was given for them too.
    error: (issue) =>
      ttlProblem(issue.input) ??
      "expected a TTL: a positive number of milliseconds or a duration such as '30s', '5m', '2h'",
  })
  .superRefine((value, ctx) => {
    const problem = ttlProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe(
    "Time to live: milliseconds (number > 0, at most MAX_TTL_MS = 10 years) or a duration string such as '30s', '5m', '2h', '1d'.",
  );

/**
 * A Redis connection URL (`redis://` or `rediss://`). The value is never echoed in error
 * messages because it may carry a password.
 */
const RedisUrlSchema = z.string().refine(isRedisUrl, {
  error:
    'expected a redis:// or rediss:// URL with a host (the value is not shown: it may contain a password)',
});

/** TLS options of the Redis connection. */
export const RedisTlsSchema = z
  .strictObject({
    /** Path of a PEM file with the CA certificate(s) to trust. */
    caPath: z.string().min(1).optional().describe('Path of a PEM file with the CA certificate(s) to trust.'),
    /** Path of the PEM client certificate (mutual TLS). */
    certPath: z.string().min(1).optional().describe('Path of the PEM client certificate (mutual TLS).'),
    /** Path of the PEM client private key (mutual TLS). */
    keyPath: z.string().min(1).optional().describe('Path of the PEM client private key (mutual TLS).'),
    /**
     * Verify the server certificate. Turning this off makes TLS vulnerable to interception.
     * @default true
     */
    rejectUnauthorized: z
      .boolean()
      .default(true)
      .describe('Verify the server certificate against the trusted CAs. Default true.'),
  })
  .describe('TLS options of the Redis connection.');

/** Redis connection options. */
export const RedisConfigSchema = z
  .strictObject({
    /** Connection URL, `redis://[user[:password]@]host[:port][/db]` or `rediss://...` for TLS. */
    url: RedisUrlSchema.optional().describe(
      'Connection URL: redis://[user[:password]@]host[:port][/db], or rediss://... for TLS.',
    ),
    /** Host name, when no `url` is given. */
    host: z.string().min(1).optional().describe('Host name, when no url is given (default 127.0.0.1).'),
    /** TCP port (1-65535). */
    port: z.number().int().min(1).max(65535).optional().describe('TCP port, 1-65535 (default 6379).'),
    /** ACL user name. */
    username: z.string().min(1).optional().describe('ACL user name.'),
    /** Password (never logged, redacted in `toJSON()` and error messages). */
    password: z.string().min(1).optional().describe('Password; never logged and redacted from output.'),
    /** Logical database index. */
    db: z.number().int().min(0).optional().describe('Logical database index (integer >= 0).'),
    /** `true` to enable TLS with system CAs, or TLS options. */
    tls: z
      .union([z.boolean(), RedisTlsSchema], { error: 'expected a boolean or an object of TLS options' })
      .optional()
      .describe('true to enable TLS with the system CAs, or an object of TLS options.'),
    /** Prefix that the Redis client prepends to every key (in addition to the cache prefix). */
    keyPrefix: z.string().optional().describe('Prefix the Redis client prepends to every key.'),
    /**
     * Time after which a Redis command is abandoned (and treated as a miss / dropped write).
     * @default 1000
     */
    commandTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('Milliseconds after which a Redis command is abandoned. Default 1000.'),
    /**
     * Time allowed to establish the connection.
     * @default 5000
     */
    connectTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(5000)
      .describe('Milliseconds allowed to establish the connection. Default 5000.'),
  })
  .describe('Redis connection options.');

/** How L1 protects cached values from mutation by callers. */
export const L1ProtectionSchema = z
  .enum(['freeze', 'copy', 'none'])
  .describe(
    "How L1 protects values from caller mutation: 'freeze' (deep freeze), 'copy' (copy on read), 'none'.",
  );

/** Builds the L1 schema with tier-specific defaults. */
function l1Schema(defaults: { maxEntries: number; maxBytes: number }) {
  const options = z
    .strictObject({
      /**
       * Maximum number of entries held in memory.
       * @default 1000 (100 for the AI cache)
       */
      maxEntries: z
        .number()
        .int()
        .positive()
        .default(defaults.maxEntries)
        .describe(`Maximum number of entries held in memory. Default ${defaults.maxEntries}.`),
      /**
       * Maximum total size in bytes (serialized value + key + a fixed per-entry overhead: about the heap it takes).
       * @default 64 MiB (16 MiB for the AI cache)
       */
      maxBytes: z
        .number()
        .int()
        .positive()
        .optional()
        .meta({ default: defaults.maxBytes })
        .describe(
          `Maximum total size in bytes: serialized value + key + per-entry overhead, about the heap it takes. Default ${defaults.maxBytes}.`,
        ),
      /**
       * Entries larger than this (encoded) are never held in L1.
       * @default 1 MiB, or `maxBytes` when that is smaller
       */
      maxEntryBytes: z
        .number()
        .int()
        .positive()
        .optional()
        .meta({ default: MIB })
        .describe(
          `Entries larger than this many bytes (encoded) skip L1 (an entry never exceeds l1.maxBytes either). Default ${MIB}, or l1.maxBytes when that is smaller.`,
        ),
      /** TTL of L1 entries; never longer than the L2 entry. Defaults to the entry's TTL. */
      ttl: TtlSchema.optional().describe("TTL of L1 entries (capped by the entry's own TTL)."),
      /**
       * Protection of cached values against caller mutation.
       * @default 'freeze'
       */
      protection: L1ProtectionSchema.default('freeze').describe(
        "How L1 protects values from caller mutation: 'freeze', 'copy' or 'none'. Default 'freeze'.",
      ),
      /**
       * Longest L1 lifetime when no live invalidation bus vouches for L1: over Redis with
       * `bus: false`, and while the bus is not yet started or down (messages may be missed).
       * @default '5s'
       */
      maxStaleness: TtlSchema.default('5s').describe(
        "Longest L1 lifetime without a live invalidation bus (bus off, not yet started or down: messages may be missed). Default '5s'.",
      ),
    })
    .superRefine((l1, ctx) => {
      if (
        typeof l1.maxEntryBytes === 'number' &&
        typeof l1.maxBytes === 'number' &&
        l1.maxEntryBytes > l1.maxBytes
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['maxEntryBytes'],
          message: `must not exceed l1.maxBytes (${l1.maxBytes}), got ${l1.maxEntryBytes}`,
        });
      }
    }, whenObject);
  return (
    z
      .union([z.literal(false), options], {
        error: 'expected false (L1 disabled) or an object of L1 options',
      })
      // A default never conflicts with what the user chose: maxEntryBytes follows a smaller maxBytes.
      // Only options the user set can conflict (the check above sees no defaults).
      .transform((l1) => {
        if (l1 === false) return l1;
        const maxBytes = l1.maxBytes ?? defaults.maxBytes;
        return { ...l1, maxBytes, maxEntryBytes: l1.maxEntryBytes ?? Math.min(MIB, maxBytes) };
      })
      .prefault({})
      .describe('In-process L1 tier holding decoded values, or false to disable it.')
  );
}

/** Compression codecs of stored entries. */
export const CompressionCodecSchema = z
  .enum(['lz4', 'deflate', 'none'])
  .describe("Codec of stored entries: 'lz4' (fast), 'deflate' (smaller), 'none'.");

/** Hash algorithms used for keys. */
export const HashAlgorithmSchema = z
  .enum(['xxh64', 'sha256'])
  .describe("Hash used for long key parts: 'xxh64' (fast) or 'sha256'.");

/** Builds the compression schema with a tier-specific default threshold. */
function compressionSchema(defaultThreshold: number) {
  return z
    .strictObject({
      /**
       * Codec used for payloads at or above `threshold`.
       * @default 'lz4'
       */
      codec: CompressionCodecSchema.default('lz4').describe(
        "Codec of stored entries: 'lz4', 'deflate' or 'none'. Default 'lz4'.",
      ),
      /**
       * Payloads smaller than this many bytes are stored raw.
       * @default 1024 (1000 for the AI cache)
       */
      threshold: z
        .number()
        .int()
        .min(0)
        .default(defaultThreshold)
        .describe(
          `Payloads smaller than this many bytes are stored uncompressed. Default ${defaultThreshold}.`,
        ),
      /**
       * Compression level (deflate only; 1 fastest, 9 smallest).
       * @default 6
       */
      level: z
        .number()
        .int()
        .min(1)
        .max(9)
        .default(6)
        .describe('Compression level 1 (fastest) to 9 (smallest); used by deflate. Default 6.'),
    })
    .prefault({})
    .describe('Compression of stored entries.');
}

/** A cache key prefix: non-empty, without ':' (the key separator). */
function prefixSchema(defaultPrefix: string) {
  return z
    .string()
    .min(1)
    .refine((value) => !value.includes(':'), { error: "must not contain ':' (it separates key parts)" })
    .default(defaultPrefix)
    .describe(`First part of every key; non-empty, without ':'. Default '${defaultPrefix}'.`);
}

/**
 * Configuration of the generic two-tier cache. Unknown keys are rejected (with a "did you
 * mean" hint when parsed through `parseConfig`).
 */
export const CacheConfigSchema = z
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

/**
 * Default TTL per AI operation.
 * @default { summarize: '2h', sentiment: '1h', key_points: '90m', questions: '80m', qa: '1h' }
 */
export const DEFAULT_OPERATION_TTLS: Readonly<Record<string, Ttl>> = Object.freeze({
  summarize: '2h',
  sentiment: '1h',
  key_points: '90m',
  questions: '80m',
  qa: '1h',
});

/** Character-count boundaries of the text size tiers. */
export const SizeTiersSchema = z
  .strictObject({
    /**
     * Texts shorter than this many characters are 'small'.
     * @default 1000
     */
    small: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ default: 1000 })
      .describe(
        "Texts shorter than this are 'small'. Default 1000, or sizeTiers.medium - 1 when that is smaller.",
      ),
    /**
     * Texts shorter than this many characters (and not small) are 'medium'; longer ones are 'large'.
     * @default 10000
     */
    medium: z
      .number()
      .int()
      .min(2)
      .optional()
      .meta({ default: 10_000 })
      .describe(
        "Texts shorter than this (and not small) are 'medium', others 'large' (>= 2). Default 10000, or sizeTiers.small + 1 when that is larger.",
      ),
  })
  .superRefine((tiers, ctx) => {
    if (typeof tiers.small === 'number' && typeof tiers.medium === 'number' && tiers.small >= tiers.medium) {
      ctx.addIssue({
        code: 'custom',
        path: ['medium'],
        message: `must be greater than sizeTiers.small (${tiers.small}), got ${tiers.medium}`,
      });
    }
  }, whenObject)
  // Defaults follow what the user chose, so that setting one boundary never invalidates the other.
  .transform(({ small, medium }) => ({
    small: small ?? Math.min(1000, (medium ?? 10_000) - 1),
    medium: medium ?? Math.max(10_000, (small ?? 0) + 1),
  }))
  .prefault({})
  .describe('Character-count boundaries of the text size tiers (small < medium).');

/** The AI cache configuration object before resolution (aliases not folded yet). */
const AICacheConfigObject = CacheConfigSchema.extend({
  /**
   * First part of every key.
   * @default 'ai-cache'
   */
  prefix: prefixSchema('ai-cache'),
  /**
   * L1 tier of the AI cache (responses are larger and fewer than generic values).
   * @default { maxEntries: 100, maxBytes: 16 MiB, maxEntryBytes: 1 MiB, protection: 'freeze' }
   */
  l1: l1Schema({ maxEntries: 100, maxBytes: 16 * MIB }),
  /**
   * Compression of stored responses.
   * @default { codec: 'lz4', threshold: 1000, level: 6 }
   */
  compression: compressionSchema(1000),
  /** Shorthand for `redis.url`; setting both is an error. */
  redisUrl: RedisUrlSchema.optional().describe('Shorthand for redis.url; setting both is an error.'),
  /**
   * TTL of responses whose operation has no entry in `operationTtls`.
   * @default '1h'
   */
  defaultTtl: TtlSchema.default('1h').describe(
    "TTL of operations without an operationTtls entry. Default '1h'.",
  ),
  /**
   * TTL per operation name.
   * @default { summarize: '2h', sentiment: '1h', key_points: '90m', questions: '80m', qa: '1h' }
   */
  operationTtls: z
    .record(z.string().min(1), TtlSchema)
    .default(() => ({ ...DEFAULT_OPERATION_TTLS }))
    .describe("TTL per operation name, e.g. { summarize: '2h' }."),
  /**
   * Texts of at least this many characters are hashed in keys; shorter ones are embedded
   * (escaped).
   * @default 1000
   */
  textHashThreshold: z
    .number()
    .int()
    .min(0)
    .default(1000)
    .describe(
      'Texts of at least this many characters are hashed in keys, shorter ones embedded. Default 1000.',
    ),
  /**
   * Always hash the text part of keys, so that no prompt text reaches Redis keys.
   * @default false
   */
  hashAllText: z.boolean().default(false).describe('Always hash texts in keys (privacy). Default false.'),
  /**
   * Responses of at least this many bytes are compressed. Overrides `compression.threshold`
   * (when only `compression.threshold` is set, it is used here too).
   * @default 1000
   */
  compressionThreshold: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      'Bytes at or above which responses are compressed; overrides compression.threshold. Default 1000.',
    ),
  /**
   * Longest accepted text, in characters.
   * @default 100000
   */
  maxTextLength: z
    .number()
    .int()
    .positive()
    .default(100_000)
    .describe('Longest accepted text, in characters. Default 100000.'),
  /**
   * Character-count boundaries of the text size tiers (`< small`: small, `< medium`: medium,
   * else large).
   * @default { small: 1000, medium: 10000 }
   */
  sizeTiers: SizeTiersSchema,
  /**
   * Keep responses of 'large' texts in L1 too (by default only small and medium ones are).
   * @default false
   */
  promoteLargeToL1: z
    .boolean()
    .default(false)
    .describe("Also keep responses of 'large' texts in L1. Default false."),
}).superRefine((config, ctx) => {
  const redis = config.redis as unknown;
  if (config.redisUrl !== undefined && isRecord(redis) && redis.url !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['redisUrl'],
      message: 'redisUrl and redis.url are both set; use only one of them',
    });
  }
}, whenObject);

/** The parsed AI configuration before aliases are folded in. */
type ParsedAIConfig = z.output<typeof AICacheConfigObject>;

/** Folds `redisUrl` into `redis.url` and `compressionThreshold` into `compression.threshold`. */
function resolveAIConfig(config: ParsedAIConfig): ParsedAIConfig & { compressionThreshold: number } {
  const compressionThreshold = config.compressionThreshold ?? config.compression.threshold;
  const resolved: ParsedAIConfig & { compressionThreshold: number } = {
    ...config,
    compressionThreshold,
    compression: { ...config.compression, threshold: compressionThreshold },
  };
  if (config.redisUrl !== undefined) {
    resolved.redis = { ...(config.redis ?? RedisConfigSchema.parse({})), url: config.redisUrl };
  }
  return resolved;
}

/**
 * Configuration of `AIResponseCache`: the generic cache configuration plus AI options.
 * Parsing resolves aliases: `redisUrl` lands in `redis.url` and `compressionThreshold` in
 * `compression.threshold`.
 */
export const AICacheConfigSchema = AICacheConfigObject.transform(resolveAIConfig).describe(
  'Configuration of AIResponseCache: the generic cache options plus AI options.',
);

/** Resolved configuration of the generic cache (defaults applied). */
export type CacheConfig = z.output<typeof CacheConfigSchema>;
/** Configuration of the generic cache as users write it (every defaulted option optional). */
export type CacheConfigInput = z.input<typeof CacheConfigSchema>;
/** Resolved configuration of the AI cache (defaults applied, aliases folded). */
export type AICacheConfig = z.output<typeof AICacheConfigSchema>;
/** Configuration of the AI cache as users write it. */
export type AICacheConfigInput = z.input<typeof AICacheConfigSchema>;
/** Resolved Redis connection options. */
export type RedisConfig = z.output<typeof RedisConfigSchema>;
/** Redis connection options as users write them. */
export type RedisConfigInput = z.input<typeof RedisConfigSchema>;
/** Resolved TLS options. */
export type RedisTlsConfig = z.output<typeof RedisTlsSchema>;
/** Resolved L1 options (`false` when disabled). */
export type L1Config = CacheConfig['l1'];
/** Resolved compression options. */
export type CompressionConfig = CacheConfig['compression'];
/** One of the compression codecs. */
export type CompressionCodec = z.output<typeof CompressionCodecSchema>;
/** One of the key hash algorithms. */
export type HashAlgorithm = z.output<typeof HashAlgorithmSchema>;
/** Size tier of a text. */
export type SizeTier = 'small' | 'medium' | 'large';

/**
 * Size tier of a text of `length` characters: `< small` is 'small', `< medium` is 'medium',
 * anything else 'large'.
 */
export function sizeTierOf(length: number, tiers: { small: number; medium: number }): SizeTier {
  if (length < tiers.small) return 'small';
  if (length < tiers.medium) return 'medium';
  return 'large';
}
