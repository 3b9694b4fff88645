/**
 * Ready-made configurations per environment. Every preset is a fresh
 * {@link AICacheConfigInput} object (safe to mutate) that passes `AICacheConfigSchema`; the
 * generic ones (`development`, `testing`, `production`) also pass `CacheConfigSchema`.
 *
 * @module
 */
import type { AICacheConfigInput } from './schema.js';

/** Local Redis used by the development and testing presets. */
export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

/** Names of the presets of {@link EnvironmentPresets}. */
export type EnvironmentName = 'development' | 'testing' | 'production' | 'aiDevelopment' | 'aiProduction';

/** Ready-made configurations per environment. */
export const EnvironmentPresets = {
  /**
   * Local development: Redis on 127.0.0.1:6379, short TTL (`'5m'`) so that changes show up
   * quickly, L1 on, a Redis outage degrades to misses.
   */
  development(): AICacheConfigInput {
    return {
      ttl: '5m',
      l1: { maxEntries: 1000 },
      redis: { url: LOCAL_REDIS_URL },
      failOnConnectionError: false,
    };
  },

  /**
   * Automated tests: TTL `'60s'`, no L1 (every read observes Redis), Redis database 15 so that
   * test data stays away from database 0.
   */
  testing(): AICacheConfigInput {
    return {
      ttl: '60s',
      l1: false,
      redis: { url: LOCAL_REDIS_URL, db: 15 },
      failOnConnectionError: false,
    };
  },

  /**
   * Production: TTL `'1h'`, L1 of 1000 entries, compression from 1024 bytes, Redis commands
   * abandoned after 500 ms, a Redis outage degrades to misses. Set the Redis URL (and TLS)
   * yourself, e.g. with `AI_CACHE_REDIS_URL`.
   */
  production(): AICacheConfigInput {
    return {
      ttl: '1h',
      l1: { maxEntries: 1000 },
      compression: { codec: 'lz4', threshold: 1024 },
      redis: { commandTimeoutMs: 500 },
      failOnConnectionError: false,
    };
  },

  /** AI development: the development preset with the AI defaults and short TTLs (5-10 minutes). */
  aiDevelopment(): AICacheConfigInput {
    return {
      ...EnvironmentPresets.development(),
      l1: { maxEntries: 100 },
      defaultTtl: '5m',
      operationTtls: { summarize: '10m', sentiment: '5m', key_points: '5m', questions: '5m', qa: '5m' },
    };
  },

  /**
   * AI production: the production preset with the AI defaults, the standard operation TTLs,
   * texts of 500+ characters hashed and `hashAllText: true` so that no prompt text reaches
   * Redis keys.
   */
  aiProduction(): AICacheConfigInput {
    return {
      ...EnvironmentPresets.production(),
      defaultTtl: '1h',
      operationTtls: { summarize: '2h', sentiment: '1h', key_points: '90m', questions: '80m', qa: '1h' },
      textHashThreshold: 500,
      hashAllText: true,
    };
  },
} as const satisfies Record<EnvironmentName, () => AICacheConfigInput>;

/** Whether `name` is one of the preset names. */
export function isEnvironmentName(name: string): name is EnvironmentName {
  return Object.hasOwn(EnvironmentPresets, name);
}
