/**
 * The schema of `AIResponseCache` (`AICacheConfigSchema`: the generic cache schema plus the AI
 * options, aliases folded when parsed) and the text size tiers, built with a zod namespace
 * (schema.ts builds them on first use; nothing here loads zod), the types inferred from them,
 * and the plain data that goes with them (default operation TTLs, {@link sizeTierOf}).
 *
 * @module
 */
import type { z } from 'zod';
import type { Ttl } from '../cache/ttl.js';
import type { CacheConfigSchemaType } from './cache-schema.js';
import { isRecord, MIB, type SharedSchemas, whenObject, type Zod } from './shared-schema.js';

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

/** Builds the schema of the character-count boundaries of the text size tiers. */
export function buildSizeTiersSchema(z: Zod) {
  return (
    z
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
        if (
          typeof tiers.small === 'number' &&
          typeof tiers.medium === 'number' &&
          tiers.small >= tiers.medium
        ) {
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
      .describe('Character-count boundaries of the text size tiers (small < medium).')
  );
}

/**
 * Builds the configuration schema of `AIResponseCache`: `CacheConfigSchema` plus AI options.
 * Parsing resolves aliases: `redisUrl` lands in `redis.url` and `compressionThreshold` in
 * `compression.threshold`.
 */
export function buildAICacheConfigSchema(
  z: Zod,
  shared: SharedSchemas,
  cacheConfigSchema: CacheConfigSchemaType,
  sizeTiersSchema: ReturnType<typeof buildSizeTiersSchema>,
) {
  const { TtlSchema, RedisUrlSchema, RedisConfigSchema, l1Schema, compressionSchema, prefixSchema } = shared;
  /** The AI cache configuration object before resolution (aliases not folded yet). */
  const AICacheConfigObject = cacheConfigSchema
    .extend({
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
      sizeTiers: sizeTiersSchema,
      /**
       * Keep responses of 'large' texts in L1 too (by default only small and medium ones are).
       * @default false
       */
      promoteLargeToL1: z
        .boolean()
        .default(false)
        .describe("Also keep responses of 'large' texts in L1. Default false."),
    })
    .superRefine((config, ctx) => {
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
  const resolveAIConfig = (config: ParsedAIConfig): ParsedAIConfig & { compressionThreshold: number } => {
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
  };

  return AICacheConfigObject.transform(resolveAIConfig).describe(
    'Configuration of AIResponseCache: the generic cache options plus AI options.',
  );
}

/** The type of `AICacheConfigSchema`. */
export type AICacheConfigSchemaType = ReturnType<typeof buildAICacheConfigSchema>;

/** Resolved configuration of the AI cache (defaults applied, aliases folded). */
export type AICacheConfig = z.output<AICacheConfigSchemaType>;
/** Configuration of the AI cache as users write it. */
export type AICacheConfigInput = z.input<AICacheConfigSchemaType>;
