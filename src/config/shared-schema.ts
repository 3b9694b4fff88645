/**
 * The pieces both configuration schemas share: TTLs, the Redis connection (URL, TLS), the L1
 * tier, compression, key prefixes and the enums. zod is a parameter: nothing here loads it
 * (schema.ts builds every schema on first use); the enum values and helpers are plain data.
 *
 * @module
 */
import type { z } from 'zod';
import { ttlProblem } from '../cache/ttl.js';

/** One mebibyte. */
export const MIB = 1024 * 1024;

/** The compression codecs of stored entries. */
export const COMPRESSION_CODECS = ['lz4', 'deflate', 'none'] as const;
/** The hash algorithms used for long key parts. */
export const HASH_ALGORITHMS = ['xxh64', 'sha256'] as const;
/** How L1 protects cached values from mutation by callers. */
export const L1_PROTECTIONS = ['freeze', 'copy', 'none'] as const;

/** Whether a value is a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs object-level refinements whenever the value is an object, even if fields already failed. */
export const whenObject = { when: (payload: { value: unknown }) => isRecord(payload.value) };

/** Whether `value` is a parseable `redis://` or `rediss://` URL with a host. */
export function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The zod namespace the schemas are built with (`import { z } from 'zod'`). */
export type Zod = typeof z;

/** Builds the shared schemas and the schema factories of tier-specific options with `z`. */
export function buildSharedSchemas(z: Zod) {
  /**
   * A time to live: a positive number of milliseconds or a duration string accepted by
   * `parseTtl` (`'500ms'`, `'30s'`, `'5m'`, `'2h'`, `'1d'`, `'1h30m'`), at most `MAX_TTL_MS`
   * (10 years). The value is validated and kept as written.
   */
  const TtlSchema = z
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
  const RedisTlsSchema = z
    .strictObject({
      /** Path of a PEM file with the CA certificate(s) to trust. */
      caPath: z
        .string()
        .min(1)
        .optional()
        .describe('Path of a PEM file with the CA certificate(s) to trust.'),
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
  const RedisConfigSchema = z
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
  const L1ProtectionSchema = z
    .enum(L1_PROTECTIONS)
    .describe(
      "How L1 protects values from caller mutation: 'freeze' (deep freeze), 'copy' (copy on read), 'none'.",
    );

  /** Compression codecs of stored entries. */
  const CompressionCodecSchema = z
    .enum(COMPRESSION_CODECS)
    .describe("Codec of stored entries: 'lz4' (fast), 'deflate' (smaller), 'none'.");

  /** Hash algorithms used for keys. */
  const HashAlgorithmSchema = z
    .enum(HASH_ALGORITHMS)
    .describe("Hash used for long key parts: 'xxh64' (fast) or 'sha256'.");

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

  return {
    TtlSchema,
    RedisUrlSchema,
    RedisTlsSchema,
    RedisConfigSchema,
    L1ProtectionSchema,
    CompressionCodecSchema,
    HashAlgorithmSchema,
    l1Schema,
    compressionSchema,
    prefixSchema,
  };
}

/** What {@link buildSharedSchemas} returns. */
export type SharedSchemas = ReturnType<typeof buildSharedSchemas>;

/** Resolved Redis connection options. */
export type RedisConfig = z.output<SharedSchemas['RedisConfigSchema']>;
/** Redis connection options as users write them. */
export type RedisConfigInput = z.input<SharedSchemas['RedisConfigSchema']>;
/** Resolved TLS options. */
export type RedisTlsConfig = z.output<SharedSchemas['RedisTlsSchema']>;
/** One of the compression codecs. */
export type CompressionCodec = (typeof COMPRESSION_CODECS)[number];
/** One of the key hash algorithms. */
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];
