/**
 * `AIResponseCache`: caches LLM answers by (operation, text, options[, question]) on the generic
 * two-tier {@link Cache}.
 *
 * Keys: `prefix:ai:{operation}:{text part}:{options hash}[:{question hash}]`. The text part is
 * the escaped text itself (`t=...`) below `textHashThreshold` characters and its hash (`h=...`)
 * at or above it (always with `hashAllText`); the marker keeps a verbatim text from ever
 * equalling a hash. Options are hashed from a stable, key-sorted serialization.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import { MemoryBackend } from '../backends/memory.js';
import { RedisBackend } from '../backends/redis.js';
import type { CacheBackend } from '../backends/types.js';
import { type InvalidationBus, RedisInvalidationBus } from '../cache/bus.js';
import { type Cache, createCache } from '../cache/cache.js';
import type { CacheEventName, CacheListener } from '../cache/events.js';
import { parseTtl, type Ttl } from '../cache/ttl.js';
import type { CacheStats } from '../cache/types.js';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { getHasher, type Hasher } from '../keys/hash.js';
import { KeyBuilder } from '../keys/key-builder.js';
import { stableStringify } from '../keys/stable-stringify.js';
import { RedisLock } from '../locks/redis-lock.js';
import type { DistributedLock } from '../locks/types.js';
import {
  type AICacheConfig,
  type AICacheConfigInput,
  AICacheConfigSchema,
  type SizeTier,
  sizeTierOf,
} from './config/schema.js';
import { parseConfig } from './config/validate.js';
import { l1OptionsFromConfig, redisBackendFromConfig } from './from-config.js';

/** Token usage of a stored answer, counted as saved on every hit. */
export interface ResponseUsage {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
}

/** Facts about how an answer was produced, stored next to it (used for savings statistics). */
export interface ResponseMeta {
  /** Model that produced the answer (used to look up prices). */
  model?: string;
  /** Tokens the upstream call used. */
  usage?: ResponseUsage;
  /** How long the upstream call took, in milliseconds. */
  latencyMs?: number;
}

/** Context handed to a TTL function. */
export interface TtlContext {
  operation: string;
  /** Length of the text in characters. */
  textLength: number;
  sizeTier: SizeTier;
  options: Readonly<Record<string, unknown>> | undefined;
  /** The response being stored. */
  response: unknown;
}

/** A TTL, or a function of the request and response returning one (`undefined` = fall through). */
export type TtlSetting = Ttl | ((context: TtlContext) => Ttl | undefined);

/** Identifies one cached answer. */
export interface ResponseRequest {
  /** The input text (prompt, document, ...). */
  text: string;
  /** What was done with it: `summarize`, `sentiment`, `qa`, ... */
  operation: string;
  /** Parameters that change the answer (model, temperature, max_length, ...). */
  options?: Readonly<Record<string, unknown>>;
  /** For question-answering operations: the question. */
  question?: string;
}

/** Arguments of {@link AIResponseCache.cacheResponse}. */
export interface CacheResponseArgs<T = unknown> extends ResponseRequest {
  /** The answer to store (anything JSON-serializable, `null` included). */
  response: T;
  /** Overrides the TTL resolution for this entry. */
  ttl?: TtlSetting;
  /** Facts about the upstream call, for savings statistics. */
  meta?: ResponseMeta;
}

/** A hit with its details, from {@link AIResponseCache.lookupResponse}. */
export interface ResponseHit<T = unknown> {
  response: T;
  tier: 'l1' | 'l2';
  /** The stored meta, when the answer was stored with one. */
  meta: ResponseMeta | undefined;
  /** When the answer was stored (epoch ms). */
  storedAt: number;
}

/** Options of {@link AIResponseCache}: the validated configuration plus things that are not data. */
export interface AIResponseCacheOptions extends AICacheConfigInput {
  /** An existing ioredis client (standalone or Cluster) to use instead of `redisUrl` / `redis`. */
  redisClient?: Redis | Cluster;
  /** Any backend to use as L2 instead of Redis (e.g. a `DiskBackend`). */
  backend?: CacheBackend;
  /** A TTL function consulted after the per-call TTL and before `operationTtls` (dynamic TTL by operation, size tier or response). */
  ttlResolver?: (context: TtlContext) => Ttl | undefined;
  /**
   * The distributed lock for stampede protection across processes. Created automatically on
   * the Redis connection when Redis is used; pass one to override, or `false` for none.
   */
  lock?: DistributedLock | false;
  /**
   * Invalidation bus keeping the L1 tiers of several processes coherent. Created
   * automatically on the Redis connection when Redis and L1 are both used; pass one to
   * override, or `false` for none.
   */
  bus?: InvalidationBus | false;
  /** USD per 1M tokens by model, for `stats().savings.costUsd`. */
  prices?: Readonly<Record<string, { input: number; output: number }>>;
  /** Clock, injectable for tests. @default Date.now */
  now?: () => number;
}

/** Hit and miss counters of one slice (an operation or a size tier). */
export interface SliceStats {
  hits: number;
  misses: number;
  sets: number;
  hitRatio: number;
}

/** What hits saved. */
export interface SavingsStats {
  /** Upstream calls not made because the answer came from the cache. */
  upstreamCallsAvoided: number;
  tokens: { prompt: number; completion: number; total: number };
  /** Stored upstream latency minus hit latency, summed over hits, in milliseconds. */
  latencyMs: number;
  /** Money saved, for models found in the `prices` table. */
  costUsd: number;
}

/** Snapshot returned by {@link AIResponseCache.stats}. */
export interface AIResponseCacheStats {
  hits: number;
  misses: number;
  hitRatio: number;
  l1Hits: number;
  l2Hits: number;
  sets: number;
  errors: number;
  /** Whether the L2 backend is failing (the memory fallback serves meanwhile). */
  degraded: boolean;
  /** `'redis'`, `'memory'`, or the custom backend's name. */
  backend: string;
  operations: Record<string, SliceStats>;
  sizeTiers: Record<SizeTier, SliceStats>;
  compression: {
    entries: number;
    compressedEntries: number;
    bytesIn: number;
    bytesOut: number;
    ratio: number;
  };
  savings: SavingsStats;
  /** The generic cache's own counters. */
  cache: CacheStats;
}

/** The stored value: the response plus its meta, versioned. */
interface StoredAnswer {
  v: 1;
  r: unknown;
  m?: ResponseMeta;
  at: number;
}

interface Slice {
  hits: number;
  misses: number;
  sets: number;
}

const newSlice = (): Slice => ({ hits: 0, misses: 0, sets: 0 });
const sliceStats = (s: Slice): SliceStats => ({
  ...s,
  hitRatio: s.hits + s.misses === 0 ? 0 : s.hits / (s.hits + s.misses),
});

function isStoredAnswer(value: unknown): value is StoredAnswer {
  return typeof value === 'object' && value !== null && (value as StoredAnswer).v === 1 && 'r' in value;
}

/**
 * The LLM response cache.
 *
 * @example
 * const ai = new AIResponseCache({ redisUrl: process.env.REDIS_URL, operationTtls: { summarize: '2h' } });
 * await ai.connect();
 * const hit = await ai.getResponse({ text, operation: 'summarize', options: { max_length: 100 } });
 * if (hit === undefined) await ai.cacheResponse({ text, operation: 'summarize', options, response });
 */
export class AIResponseCache {
  /** The resolved, validated configuration. */
  readonly config: AICacheConfig;
  /** The generic cache underneath (root namespace `prefix`). */
  readonly cache: Cache;
  /** The distributed lock shared by every process on the same Redis (`undefined` without Redis). */
  readonly lock: DistributedLock | undefined;
  readonly #ai: Cache;
  readonly #operations = new Map<string, Cache>();
  readonly #ttlFn: AIResponseCacheOptions['ttlResolver'];
  readonly #prices: AIResponseCacheOptions['prices'];
  readonly #now: () => number;
  readonly #defaultTtlMs: number;
  readonly #operationTtlMs: Map<string, number>;
  readonly #backendName: string;
  #hasher: Hasher | undefined;
  readonly #opStats = new Map<string, Slice>();
  readonly #tierStats: Record<SizeTier, Slice> = { small: newSlice(), medium: newSlice(), large: newSlice() };
  readonly #compression = { entries: 0, compressedEntries: 0, bytesIn: 0, bytesOut: 0 };
  readonly #savings = { calls: 0, prompt: 0, completion: 0, total: 0, latencyMs: 0, costUsd: 0 };

  /** @throws {ValidationError} listing every invalid option. */
  constructor(options: AIResponseCacheOptions = {}) {
    const { redisClient, backend, ttlResolver, prices, now, lock, bus, ...data } = options;
    this.config = parseConfig(AICacheConfigSchema, data, { source: 'AIResponseCache options' });
    this.#ttlFn = ttlResolver;
    this.#prices = prices;
    this.#now = now ?? Date.now;
    this.#defaultTtlMs = parseTtl(this.config.defaultTtl, 'defaultTtl');
    this.#operationTtlMs = new Map(
      Object.entries(this.config.operationTtls).map(([op, t]) => [op, parseTtl(t, `operationTtls.${op}`)]),
    );
    let l2: CacheBackend;
    let fallback: CacheBackend | undefined;
    if (backend) {
      l2 = backend;
    } else if (redisClient) {
      l2 = new RedisBackend({ client: redisClient });
      fallback = new MemoryBackend();
    } else if (this.config.redis) {
      l2 = redisBackendFromConfig(this.config.redis);
      fallback = new MemoryBackend();
    } else {
      l2 = new MemoryBackend();
    }
    this.#backendName = l2.name;
    this.lock =
      lock === false
        ? undefined
        : (lock ??
          (l2 instanceof RedisBackend
            ? // Same client: the lock runs on the backend's connection (breaker, subscriber).
              new RedisLock({
                client: l2.client,
                keyPrefix: `${this.config.prefix}:lock:`,
                commandTimeoutMs: l2.connection.commandTimeoutMs,
              })
            : undefined));
    const l1 = this.config.l1;
    const coherence =
      bus === false
        ? undefined
        : (bus ??
          (l2 instanceof RedisBackend && l1 !== false
            ? new RedisInvalidationBus({
                client: l2.client,
                channel: `${this.config.prefix}:#bus`,
                commandTimeoutMs: l2.connection.commandTimeoutMs,
              })
            : undefined));
    this.cache = createCache({
      prefix: this.config.prefix,
      // `ttl` is the default of generic entries stored through `ai.cache`; answers use defaultTtl/operationTtls.
      ttl: this.config.ttl,
      backend: l2,
      ...(fallback ? { fallback } : {}),
      ...(coherence ? { bus: coherence } : {}),
      l1: l1OptionsFromConfig(l1),
      compression: this.config.compression,
      hashAlgorithm: this.config.hashAlgorithm,
      // Room for texts stored verbatim below the hash threshold (escaping can triple a character).
      maxKeyLength: Math.max(this.config.maxKeyLength, 6 * this.config.textHashThreshold + 256),
      failOnConnectionError: this.config.failOnConnectionError,
      ...(now ? { now } : {}),
    });
    this.#ai = this.cache.namespace('ai');
  }

  /**
   * Loads the hash function and connects to Redis. When Redis is unreachable the cache falls
   * back to memory and emits `degraded` (and uses Redis again as soon as it answers), unless
   * `failOnConnectionError` is set: then this throws `InfrastructureError`.
   */
  async connect(): Promise<void> {
    this.#hasher ??= await getHasher(this.config.hashAlgorithm);
    await this.cache.connect();
  }

  /**
   * Stores an answer.
   *
   * @throws {ValidationError} for text longer than `maxTextLength`, an empty or invalid
   *   operation, options or a response that cannot be serialized. Nothing is written then.
   */
  async cacheResponse<T>(args: CacheResponseArgs<T>): Promise<void> {
    const key = await this.#prepare(
      args,
      'cacheResponse',
      args.response === undefined
        ? [{ path: 'response', message: 'undefined cannot be cached (use null for "no answer")' }]
        : [],
    );
    const tier = sizeTierOf(args.text.length, this.config.sizeTiers);
    const ttlMs = this.#resolveTtl(args, tier);
    const stored: StoredAnswer = { v: 1, r: args.response, at: this.#now() };
    if (args.meta) stored.m = args.meta;
    let result: Awaited<ReturnType<Cache['set']>>;
    try {
      result = await this.#operation(args.operation).set(key, stored, {
        ttl: ttlMs,
        l1: tier !== 'large' || this.config.promoteLargeToL1,
      });
    } catch (error) {
      if (error instanceof ValidationError) {
        throw new ValidationError(
          'Invalid cacheResponse() call',
          error.issues.map((i) => ({ ...i, path: i.path === 'value' ? 'response' : i.path })),
          { cause: error },
        );
      }
      throw error;
    }
    this.#slice(args.operation).sets++;
    this.#tierStats[tier].sets++;
    const c = this.#compression;
    c.entries++;
    if (result.compressed) c.compressedEntries++;
    c.bytesIn += result.serializedBytes;
    c.bytesOut += result.bytes;
  }

  /** The stored answer, or `undefined` on a miss. Never throws because of Redis. */
  async getResponse<T = unknown>(request: ResponseRequest): Promise<T | undefined> {
    return (await this.lookupResponse<T>(request))?.response;
  }

  /** Like {@link AIResponseCache.getResponse}, with the tier that answered and the stored meta. */
  async lookupResponse<T = unknown>(request: ResponseRequest): Promise<ResponseHit<T> | undefined> {
    const started = performance.now();
    const key = await this.#prepare(request, 'getResponse');
    const tier = sizeTierOf(request.text.length, this.config.sizeTiers);
    const hit = await this.#operation(request.operation).lookup<unknown>(key, {
      promote: tier !== 'large' || this.config.promoteLargeToL1,
    });
    const slice = this.#slice(request.operation);
    if (!hit || !isStoredAnswer(hit.value)) {
      slice.misses++;
      this.#tierStats[tier].misses++;
      return undefined;
    }
    slice.hits++;
    this.#tierStats[tier].hits++;
    const stored = hit.value;
    this.#countSavings(stored.m, performance.now() - started);
    return { response: stored.r as T, tier: hit.tier, meta: stored.m, storedAt: stored.at };
  }

  /** Removes one answer from both tiers. */
  async invalidate(request: ResponseRequest): Promise<boolean> {
    const key = await this.#prepare(request, 'invalidate');
    return this.#operation(request.operation).delete(key);
  }

  /** Removes every answer of `operation` from both tiers (SCAN by prefix in Redis), and nothing else. */
  async invalidateOperation(operation: string): Promise<void> {
    const issues = this.#validateOperation(operation);
    if (issues.length) throw new ValidationError('Invalid invalidateOperation() call', issues);
    await this.#operation(operation).clear();
  }

  /** The full key an answer is stored under (for diagnostics and tests). */
  async keyFor(request: ResponseRequest): Promise<string> {
    return this.#operation(request.operation).fullKey(await this.#prepare(request, 'keyFor'));
  }

  /** The TTL in milliseconds an answer would get (per-call `ttl` > `ttlResolver` > `operationTtls` > `defaultTtl`). */
  ttlFor(args: ResponseRequest & { response?: unknown; ttl?: TtlSetting }): number {
    return this.#resolveTtl(args, sizeTierOf(args.text.length, this.config.sizeTiers));
  }

  /** Subscribes to the cache's events (`hit`, `miss`, `set`, `error`, `degraded`, `recovered`, ...). */
  on(event: CacheEventName, listener: CacheListener): () => void {
    return this.cache.on(event, listener);
  }

  /** Counts a hit served outside `getResponse` (e.g. by an integration) as savings. */
  recordSavings(meta: ResponseMeta | undefined, hitLatencyMs: number): void {
    this.#countSavings(meta, hitLatencyMs);
  }

  /** Counters since creation. */
  stats(): AIResponseCacheStats {
    const cache = this.cache.stats();
    let hits = 0;
    let misses = 0;
    let sets = 0;
    const operations: Record<string, SliceStats> = {};
    for (const [op, s] of this.#opStats) {
      operations[op] = sliceStats(s);
      hits += s.hits;
      misses += s.misses;
      sets += s.sets;
    }
    const c = this.#compression;
    const s = this.#savings;
    return {
      hits,
      misses,
      hitRatio: hits + misses === 0 ? 0 : hits / (hits + misses),
      l1Hits: cache.l1.hits,
      l2Hits: cache.l2.hits,
      sets,
      errors: cache.errors,
      degraded: cache.degraded,
      backend: this.#backendName,
      operations,
      sizeTiers: {
        small: sliceStats(this.#tierStats.small),
        medium: sliceStats(this.#tierStats.medium),
        large: sliceStats(this.#tierStats.large),
      },
      compression: { ...c, ratio: c.bytesIn === 0 ? 1 : c.bytesOut / c.bytesIn },
      savings: {
        upstreamCallsAvoided: s.calls,
        tokens: { prompt: s.prompt, completion: s.completion, total: s.total },
        latencyMs: s.latencyMs,
        costUsd: s.costUsd,
      },
      cache,
    };
  }

  /** Closes the backend connections. */
  async close(): Promise<void> {
    await this.lock?.close();
    await this.cache.close();
  }

  // ---------------------------------------------------------------------------------------------

  #operation(operation: string): Cache {
    let cache = this.#operations.get(operation);
    if (!cache) {
      cache = this.#ai.namespace(operation);
      this.#operations.set(operation, cache);
    }
    return cache;
  }

  #slice(operation: string): Slice {
    let slice = this.#opStats.get(operation);
    if (!slice) {
      slice = newSlice();
      this.#opStats.set(operation, slice);
    }
    return slice;
  }

  #validateOperation(operation: unknown): ValidationIssue[] {
    if (typeof operation !== 'string' || operation.trim() === '') {
      return [{ path: 'operation', message: 'must be a non-empty string' }];
    }
    try {
      KeyBuilder.validatePart(operation, 'operation');
    } catch (error) {
      return (error as ValidationError).issues.map((i) => ({ ...i }));
    }
    return [];
  }

  /**
   * Validates a request (every problem at once, with `extra` ones from the caller) and returns
   * its key parts under `ai:{operation}`: text part, options hash, optional question hash. The
   * options are serialized once, for both the check and the hash.
   *
   * @throws {ValidationError} listing every problem.
   */
  async #prepare(request: ResponseRequest, call: string, extra: ValidationIssue[] = []): Promise<string[]> {
    const issues = this.#validateOperation(request.operation);
    const { text, question, options } = request;
    if (typeof text !== 'string') {
      issues.push({ path: 'text', message: 'must be a string' });
    } else if (text.length > this.config.maxTextLength) {
      issues.push({
        path: 'text',
        message: `is ${text.length} characters long; maxTextLength is ${this.config.maxTextLength}`,
      });
    }
    if (question !== undefined && typeof question !== 'string') {
      issues.push({ path: 'question', message: 'must be a string when given' });
    }
    let optionsJson = '{}';
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null || Array.isArray(options)) {
        issues.push({ path: 'options', message: 'must be a plain object when given' });
      } else {
        try {
          optionsJson = stableStringify(options);
        } catch (error) {
          issues.push({ path: 'options', message: `cannot be serialized: ${(error as Error).message}` });
        }
      }
    }
    issues.push(...extra);
    if (issues.length) throw new ValidationError(`Invalid ${call}() call`, issues);
    this.#hasher ??= await getHasher(this.config.hashAlgorithm);
    const hasher = this.#hasher;
    const textPart =
      this.config.hashAllText || text.length >= this.config.textHashThreshold
        ? `h=${hasher.hash(text)}`
        : `t=${text}`;
    const parts = [textPart, `o=${hasher.hash(optionsJson)}`];
    if (question !== undefined) parts.push(`q=${hasher.hash(question)}`);
    return parts;
  }

  #resolveTtl(args: ResponseRequest & { response?: unknown; ttl?: TtlSetting }, sizeTier: SizeTier): number {
    const context = (): TtlContext => ({
      operation: args.operation,
      textLength: args.text.length,
      sizeTier,
      options: args.options,
      response: args.response,
    });
    if (args.ttl !== undefined) {
      const ttl = typeof args.ttl === 'function' ? args.ttl(context()) : args.ttl;
      if (ttl !== undefined) return parseTtl(ttl, 'ttl');
    }
    if (this.#ttlFn) {
      const ttl = this.#ttlFn(context());
      if (ttl !== undefined) return parseTtl(ttl, 'ttl');
    }
    return this.#operationTtlMs.get(args.operation) ?? this.#defaultTtlMs;
  }

  #countSavings(meta: ResponseMeta | undefined, hitLatencyMs: number): void {
    const s = this.#savings;
    s.calls++;
    if (!meta) return;
    const prompt = meta.usage?.promptTokens ?? 0;
    const completion = meta.usage?.completionTokens ?? 0;
    s.prompt += prompt;
    s.completion += completion;
    s.total += meta.usage?.totalTokens ?? prompt + completion;
    if (meta.latencyMs !== undefined) s.latencyMs += Math.max(0, meta.latencyMs - hitLatencyMs);
    const price = meta.model ? this.#prices?.[meta.model] : undefined;
    if (price) s.costUsd += (prompt * price.input + completion * price.output) / 1_000_000;
  }
}
