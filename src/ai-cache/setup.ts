/**
 * What an {@link AIResponseCache} and its namespace views share, and how it is built from the
 * options: the validated configuration, the L2 backend (a `backend` given, Redis from a client,
 * `redis` or `redisUrl` with a memory fallback, else memory), the cross-process lock and the
 * invalidation bus on the backend's Redis connection, and the root generic cache over them.
 *
 * @module
 */
import { MemoryBackend } from '../backends/memory.js';
import { RedisBackend } from '../backends/redis.js';
import type { CacheBackend } from '../backends/types.js';
import { defaultBus } from '../bus/default.js';
import { type Cache, createCache } from '../cache/cache.js';
import { parseTtl } from '../cache/ttl.js';
import { type AICacheConfig, configSchemas } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';
import type { Hasher } from '../keys/hash.js';
import { KeyBuilder } from '../keys/key-builder.js';
import { RedisLock } from '../locks/redis-lock.js';
import type { DistributedLock } from '../locks/types.js';
import { l1OptionsFromConfig, redisBackendFromConfig } from './from-config.js';
import type { AIResponseCacheOptions } from './types.js';

/** State shared by an {@link AIResponseCache} and every namespace view derived from it. */
export interface Shared {
  readonly config: AICacheConfig;
  /** The root generic cache (owns the connections). */
  readonly root: Cache;
  readonly lock: DistributedLock | undefined;
  readonly ttlFn: AIResponseCacheOptions['ttlResolver'];
  readonly prices: AIResponseCacheOptions['prices'];
  readonly now: () => number;
  readonly defaultTtlMs: number;
  readonly operationTtlMs: Map<string, number>;
  readonly backendName: string;
  hasher: Hasher | undefined;
}

/** Whether the cache closes a component handed to it, per the `owns` option. */
function ownsGiven(owns: AIResponseCacheOptions['owns'], component: 'backend' | 'lock' | 'bus'): boolean {
  if (owns === undefined || typeof owns === 'boolean') return owns ?? true;
  return owns[component] ?? true;
}

/**
 * Validates the options and builds the shared state.
 *
 * @throws {ValidationError} listing every invalid option.
 */
export function createShared(options: AIResponseCacheOptions): Shared {
  const { redisClient, backend, ttlResolver, prices, now, lock, bus, owns, budget, ...data } = options;
  const config = parseConfig(configSchemas().AICacheConfigSchema, data, {
    source: 'AIResponseCache options',
    knownKeys: ['redisClient', 'backend', 'ttlResolver', 'prices', 'now', 'lock', 'bus', 'owns', 'budget'],
  });
  if (config.namespace !== undefined) KeyBuilder.validatePart(config.namespace, 'namespace');
  const defaultTtlMs = parseTtl(config.defaultTtl, 'defaultTtl');
  const operationTtlMs = new Map(
    Object.entries(config.operationTtls).map(([op, t]) => [op, parseTtl(t, `operationTtls.${op}`)]),
  );
  let l2: CacheBackend;
  let fallback: CacheBackend | undefined;
  if (backend) {
    l2 = backend;
  } else if (redisClient) {
    l2 = new RedisBackend({ client: redisClient });
    fallback = new MemoryBackend();
  } else if (config.redis) {
    l2 = redisBackendFromConfig(config.redis);
    fallback = new MemoryBackend();
  } else {
    l2 = new MemoryBackend();
  }
  const sharedLock =
    lock === false
      ? undefined
      : (lock ??
        (l2 instanceof RedisBackend
          ? // Same client: the lock runs on the backend's connection (breaker, subscriber).
            new RedisLock({
              client: l2.client,
              keyPrefix: `${config.prefix}:lock:`,
              commandTimeoutMs: l2.connection.commandTimeoutMs,
            })
          : undefined));
  const l1 = config.l1;
  const coherence =
    bus === false
      ? undefined
      : // On a Redis backend's own connection (see defaultBus), when there is an L1 to keep coherent.
        (bus ?? (l1 === false ? undefined : defaultBus(l2, config.prefix)));
  const root = createCache({
    prefix: config.prefix,
    // `ttl` is the default of generic entries stored through `ai.cache`; answers use defaultTtl/operationTtls.
    ttl: config.ttl,
    backend: l2,
    ...(fallback ? { fallback } : {}),
    bus: coherence ?? false,
    l1: l1OptionsFromConfig(l1),
    compression: config.compression,
    hashAlgorithm: config.hashAlgorithm,
    // Room for texts stored verbatim below the hash threshold (escaping can triple a character).
    maxKeyLength: Math.max(config.maxKeyLength, 6 * config.textHashThreshold + 256),
    failOnConnectionError: config.failOnConnectionError,
    fallbackWarning: config.fallbackWarning,
    ...(now ? { now } : {}),
    ...(budget === undefined ? {} : { budget }),
    // The cache closes the lock too (each component once); what was handed in per `owns`.
    ...(sharedLock ? { lock: sharedLock } : {}),
    owns: {
      backend: backend === undefined || ownsGiven(owns, 'backend'),
      fallback: true,
      lock: lock === undefined || lock === false || ownsGiven(owns, 'lock'),
      bus: bus === undefined || bus === false || ownsGiven(owns, 'bus'),
    },
  });
  return {
    config,
    root,
    lock: sharedLock,
    ttlFn: ttlResolver,
    prices,
    now: now ?? Date.now,
    defaultTtlMs,
    operationTtlMs,
    backendName: l2.name,
    hasher: undefined,
  };
}
