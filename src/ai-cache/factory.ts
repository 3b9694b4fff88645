/**
 * `CacheFactory`: connected caches with sensible defaults for common situations.
 *
 * Every method returns a connected cache. When Redis is configured but unreachable, the cache
 * falls back to memory and emits `degraded` (and uses Redis again once it answers), unless
 * `failOnConnectionError: true`, in which case the method rejects with `InfrastructureError`.
 *
 * @module
 */
import { MemoryBackend } from '../backends/memory.js';
import { type Cache, createCache } from '../cache/cache.js';
import { CacheConfigBuilder } from '../config/builder.js';
import type { CacheConfigOptions } from '../config/options.js';
import { configSchemas } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';
import { AIResponseCache, type AIResponseCacheOptions } from './ai-response-cache.js';
import { l1OptionsFromConfig, redisBackendFromConfig } from './from-config.js';

/** Options of {@link CacheFactory.forWebApp}: the generic configuration, with a `redisUrl` shorthand. */
export interface WebAppCacheOptions extends CacheConfigOptions {
  /** Shorthand for `redis: { url }` (it wins over a `redis.url` also given). @defaultValue none */
  redisUrl?: string;
}

/** Options of {@link CacheFactory.forTesting}. */
export interface TestingCacheOptions extends AIResponseCacheOptions {
  /** Use the embedded memory tier instead of Redis. @default true */
  useMemoryCache?: boolean;
}

const MIB = 1024 * 1024;

/** Builds connected caches with seed defaults; options you pass override the defaults. */
export class CacheFactory {
  /**
   * A generic {@link Cache} for web applications: TTL 30m, L1 of 200 entries, compression from
   * 2000 bytes; Redis when `redisUrl` / `redis` is given, L1-only otherwise.
   */
  async forWebApp(options: WebAppCacheOptions = {}): Promise<Cache> {
    const { redisUrl, ...rest } = options;
    const config = parseConfig(
      configSchemas().CacheConfigSchema,
      {
        ttl: '30m',
        l1: { maxEntries: 200, maxBytes: 32 * MIB },
        compression: { threshold: 2000 },
        ...rest,
        ...(redisUrl === undefined ? {} : { redis: { ...rest.redis, url: redisUrl } }),
      },
      { source: 'CacheFactory.forWebApp options' },
    );
    const backend = config.redis ? redisBackendFromConfig(config.redis) : undefined;
    const l1 = config.l1;
    const cache = createCache({
      prefix: config.prefix,
      ...(config.namespace === undefined ? {} : { namespace: config.namespace }),
      ttl: config.ttl,
      l1: l1OptionsFromConfig(l1),
      ...(backend ? { backend, fallback: new MemoryBackend() } : {}),
      // Several web processes on one Redis keep their L1 tiers coherent through the cache's
      // default bus (on the backend's connection); without L1 there is nothing to keep coherent.
      ...(l1 === false ? { bus: false as const } : {}),
      compression: config.compression,
      hashAlgorithm: config.hashAlgorithm,
      maxKeyLength: config.maxKeyLength,
      failOnConnectionError: config.failOnConnectionError,
      fallbackWarning: config.fallbackWarning,
    });
    await cache.connect();
    return cache;
  }

  /** An {@link AIResponseCache} for AI applications: TTL 1h, L1 of 100 entries, compression from 1000 bytes, texts hashed from 500 characters. */
  async forAIApp(options: AIResponseCacheOptions = {}): Promise<AIResponseCache> {
    return this.#connect({
      defaultTtl: '1h',
      l1: { maxEntries: 100, maxBytes: 16 * MIB },
      compressionThreshold: 1000,
      textHashThreshold: 500,
      ...options,
    });
  }

  /**
   * An {@link AIResponseCache} for tests: TTL 60s, no L1 (every read exercises the backend), the
   * embedded memory tier by default, or Redis database 15 with `useMemoryCache: false`.
   */
  async forTesting(options: TestingCacheOptions = {}): Promise<AIResponseCache> {
    const { useMemoryCache = true, ...rest } = options;
    const redis =
      useMemoryCache || rest.redisClient || rest.backend
        ? {}
        : {
            redis: { db: 15, ...rest.redis, ...(rest.redisUrl === undefined ? {} : { url: rest.redisUrl }) },
          };
    const { redisUrl: _ignored, ...withoutUrl } = rest;
    if (useMemoryCache) {
      delete withoutUrl.redis;
      delete withoutUrl.redisClient;
    }
    return this.#connect({
      ttl: '60s',
      defaultTtl: '60s',
      operationTtls: {},
      l1: false,
      ...withoutUrl,
      ...redis,
    });
  }

  /** An {@link AIResponseCache} from a configuration object or a {@link CacheConfigBuilder} (validated). */
  async fromConfig(config: AIResponseCacheOptions | CacheConfigBuilder): Promise<AIResponseCache> {
    return this.#connect(config instanceof CacheConfigBuilder ? config.build() : config);
  }

  async #connect(options: AIResponseCacheOptions): Promise<AIResponseCache> {
    const cache = new AIResponseCache(options);
    try {
      await cache.connect();
    } catch (error) {
      await cache.close().catch(() => {});
      throw error;
    }
    return cache;
  }
}
