/**
 * `AIResponseCache`: caches LLM answers by (operation, text, options[, question]) on the generic
 * two-tier {@link Cache}.
 *
 * Keys: `prefix[:@{namespace}...]:ai:{operation}:{text part}:{options hash}[:{question hash}]`,
 * built through the {@link Cache} namespace API. The text part is the escaped text itself
 * (`t=...`) below `textHashThreshold` characters and its hash (`h=...`) at or above it (always
 * with `hashAllText`); the marker keeps a verbatim text from ever equalling a hash. Options are
 * hashed from a stable, key-sorted serialization.
 *
 * Tenants: the `namespace` option and {@link AIResponseCache.namespace} views put every key,
 * `clear`, `invalidate`, `invalidateOperation`, lock and bus message of a tenant under its own
 * `@{name}` namespace segments. Tenant segments always start with `@` and the answers' segment is
 * `ai`, so no tenant path is a prefix of another's: clearing one never touches another, the
 * tenant-less cache included. Events and errors show an answer's key as
 * `prefix:…:ai:{operation}:#{hash}`, never the prompt text.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import { MemoryBackend } from '../backends/memory.js';
import { RedisBackend } from '../backends/redis.js';
import type { CacheBackend } from '../backends/types.js';
import { type InvalidationBus, RedisInvalidationBus } from '../bus/index.js';
import { type Cache, createCache } from '../cache/cache.js';
import type { CacheEventName, CacheListener } from '../cache/events.js';
import { parseTtl, type Ttl } from '../cache/ttl.js';
import type { BreakerStats, CacheStats, Ownership } from '../cache/types.js';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { getHasher, type Hasher } from '../keys/hash.js';
import { KeyBuilder } from '../keys/key-builder.js';
import { stableStringify } from '../keys/stable-stringify.js';
import { RedisLock } from '../locks/redis-lock.js';
import type { DistributedLock } from '../locks/types.js';
import { redactConfig } from './config/redact.js';
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

/** A request validated and keyed once, from {@link AIResponseCache.prepare}. */
export interface PreparedRequest {
  readonly request: ResponseRequest;
  /** The key parts under `ai:{operation}` (text part, options hash, optional question hash). */
  readonly parts: readonly string[];
  readonly tier: SizeTier;
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

/** State shared by an {@link AIResponseCache} and every namespace view derived from it. */
interface Shared {
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
  /**
   * Which of the components handed here (`backend`, `lock`, `bus`) {@link AIResponseCache.close}
   * closes: `true` (all), `false` (none) or per component. What the cache creates itself (the
   * Redis backend from `redisUrl` / `redis`, its lock and bus, the memory fallback) is always
   * closed; a `redisClient` passed in is never closed (only what was built on it).
   * @default true
   */
  owns?: boolean | Pick<Ownership, 'backend' | 'lock' | 'bus'>;
  /**
   * Time budget of the cache work of one call through `ai.cache.getOrSet` or an LLM client
   * wrapper (`withCache`): lookup, lock acquisition and store together (see `CacheOptions.budget`).
   * @default the backend's `commandTimeoutMs` when it exposes one, else 1000 (ms)
   */
  budget?: Ttl;
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
  /** The L2 backend's circuit breaker, when it has one. */
  breaker: BreakerStats | undefined;
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

function ownsGiven(owns: AIResponseCacheOptions['owns'], component: 'backend' | 'lock' | 'bus'): boolean {
  if (owns === undefined || typeof owns === 'boolean') return owns ?? true;
  return owns[component] ?? true;
}

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
  /** Set by {@link AIResponseCache.namespace} for the one constructor call that builds a view. */
  static #view: { shared: Shared; path: readonly string[] } | undefined;

  /**
   * The resolved, validated configuration, shared by every namespace view (its `namespace` is
   * the one given to the constructor; a view's path is {@link AIResponseCache.namespacePath}).
   * Prints with its secrets redacted (`JSON.stringify`, `util.inspect`).
   */
  readonly config: AICacheConfig;
  /**
   * The generic cache of this tenant: the root cache (namespace `prefix`) without a namespace,
   * the tenant's namespace otherwise. Generic entries stored through it are isolated like the
   * answers.
   */
  readonly cache: Cache;
  /** The distributed lock shared by every process on the same Redis (`undefined` without Redis). */
  readonly lock: DistributedLock | undefined;
  readonly #shared: Shared;
  readonly #path: readonly string[];
  /** Whether this is a view made by {@link AIResponseCache.namespace} (it owns no connection). */
  readonly #derived: boolean;
  readonly #ai: Cache;
  readonly #operations = new Map<string, Cache>();
  readonly #opStats = new Map<string, Slice>();
  readonly #tierStats: Record<SizeTier, Slice> = { small: newSlice(), medium: newSlice(), large: newSlice() };
  readonly #tierHits = { l1: 0, l2: 0 };
  readonly #compression = { entries: 0, compressedEntries: 0, bytesIn: 0, bytesOut: 0 };
  readonly #savings = { calls: 0, prompt: 0, completion: 0, total: 0, latencyMs: 0, costUsd: 0 };

  /** @throws {ValidationError} listing every invalid option. */
  constructor(options: AIResponseCacheOptions = {}) {
    const view = AIResponseCache.#view;
    AIResponseCache.#view = undefined;
    const shared = view?.shared ?? AIResponseCache.#createShared(options);
    const path = view?.path ?? (shared.config.namespace === undefined ? [] : [shared.config.namespace]);
    this.#shared = shared;
    this.#derived = view !== undefined;
    this.config = shared.config;
    this.lock = shared.lock;
    this.#path = Object.freeze([...path]);
    let scope = shared.root;
    for (const name of path) scope = scope.namespace(`@${name}`);
    this.cache = scope;
    this.#ai = scope.namespace('ai');
  }

  static #createShared(options: AIResponseCacheOptions): Shared {
    const { redisClient, backend, ttlResolver, prices, now, lock, bus, owns, budget, ...data } = options;
    const config = parseConfig(AICacheConfigSchema, data, {
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
        : (bus ??
          (l2 instanceof RedisBackend && l1 !== false
            ? new RedisInvalidationBus({
                client: l2.client,
                channel: `${config.prefix}:#bus`,
                commandTimeoutMs: l2.connection.commandTimeoutMs,
              })
            : undefined));
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

  /**
   * A view of this cache for the tenant (or sub-tenant) `name`: same connections, lock, bus,
   * configuration and TTL rules; its own keys, statistics, `clear()` and invalidations. Views
   * nest (`ai.namespace('a').namespace('b')`); no view ever reads, invalidates or clears an
   * answer of another view, of its parent or of its children. Closing a view does nothing:
   * close the cache it was derived from.
   *
   * @param name - non-empty; no `:`, `#`, `*`, `?`, `[`, `]`, `\`, whitespace or control characters.
   * @throws {ValidationError} for an invalid name.
   */
  namespace(name: string): AIResponseCache {
    KeyBuilder.validatePart(name, 'namespace');
    AIResponseCache.#view = { shared: this.#shared, path: [...this.#path, name] };
    try {
      return new AIResponseCache();
    } finally {
      AIResponseCache.#view = undefined;
    }
  }

  /**
   * What `JSON.stringify(ai)` shows: the namespace path, the backend's name and the
   * configuration with its secrets redacted (passwords, also inside URLs).
   */
  toJSON(): { namespacePath: readonly string[]; backend: string; config: AICacheConfig } {
    return {
      namespacePath: this.#path,
      backend: this.#shared.backendName,
      config: redactConfig(this.config),
    };
  }

  /** What `util.inspect(ai)` and `console.log(ai)` show: {@link AIResponseCache.toJSON}, never a connection or a password. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect: (value: unknown, options?: object) => string,
  ): string {
    return `AIResponseCache ${inspect(this.toJSON(), options)}`;
  }

  /** The namespace path of this cache, outermost first (`[]` for the tenant-less cache). */
  get namespacePath(): readonly string[] {
    return this.#path;
  }

  /**
   * Loads the hash function and connects to Redis. When Redis is unreachable the cache falls
   * back to memory and emits `degraded` (and uses Redis again as soon as it answers), unless
   * `failOnConnectionError` is set: then this throws `InfrastructureError`.
   */
  async connect(): Promise<void> {
    this.#shared.hasher ??= await getHasher(this.config.hashAlgorithm);
    await this.#shared.root.connect();
  }

  /**
   * Stores an answer.
   *
   * @throws {ValidationError} for text longer than `maxTextLength`, an empty or invalid
   *   operation, options or a response that cannot be serialized. Nothing is written then.
   */
  async cacheResponse<T>(args: CacheResponseArgs<T>): Promise<void> {
    const prepared = await this.#prepared(
      args,
      'cacheResponse',
      args.response === undefined
        ? [{ path: 'response', message: 'undefined cannot be cached (use null for "no answer")' }]
        : [],
    );
    await this.#store(prepared, args.response, args);
  }

  /**
   * Validates and keys a request once, for {@link AIResponseCache.lookupPrepared},
   * {@link AIResponseCache.storePrepared} and {@link AIResponseCache.invalidatePrepared} (an
   * integration answering one call with several of them keys it only once).
   *
   * @throws {ValidationError} listing every problem of the request.
   */
  async prepare(request: ResponseRequest): Promise<PreparedRequest> {
    return this.#prepared(request, 'prepare');
  }

  /**
   * Stores an answer of a prepared request (`response` must not be `undefined`).
   *
   * @throws {ValidationError} when the response cannot be serialized or the TTL is invalid.
   */
  async storePrepared<T>(
    prepared: PreparedRequest,
    response: T,
    options: { meta?: ResponseMeta | undefined; ttl?: TtlSetting | undefined } = {},
  ): Promise<void> {
    return this.#store(prepared, response, options);
  }

  async #store(
    prepared: PreparedRequest,
    response: unknown,
    options: { meta?: ResponseMeta | undefined; ttl?: TtlSetting | undefined },
  ): Promise<void> {
    const { request, parts, tier } = prepared;
    const ttlMs = this.#resolveTtl({ ...request, response, ttl: options.ttl }, tier);
    const stored: StoredAnswer = { v: 1, r: response, at: this.#shared.now() };
    if (options.meta) stored.m = options.meta;
    let result: Awaited<ReturnType<Cache['set']>>;
    try {
      result = await this.#operation(request.operation).set(parts as string[], stored, {
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
    this.#slice(request.operation).sets++;
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
    return this.#lookup<T>(await this.#prepared(request, 'getResponse'), started);
  }

  /** Like {@link AIResponseCache.lookupResponse}, for a request keyed by {@link AIResponseCache.prepare}. */
  async lookupPrepared<T = unknown>(prepared: PreparedRequest): Promise<ResponseHit<T> | undefined> {
    return this.#lookup<T>(prepared, performance.now());
  }

  /**
   * Like {@link AIResponseCache.lookupPrepared}, synchronously, when the answer is in the
   * in-process L1 tier (else `undefined`: look it up). Counted like a hit of `lookupPrepared`.
   */
  peekPrepared<T = unknown>(prepared: PreparedRequest): ResponseHit<T> | undefined {
    const started = performance.now();
    const hit = this.#operation(prepared.request.operation).peekL1<unknown>(prepared.parts as string[]);
    return hit && isStoredAnswer(hit.value) ? this.#counted<T>(prepared, hit, started) : undefined;
  }

  async #lookup<T>(prepared: PreparedRequest, started: number): Promise<ResponseHit<T> | undefined> {
    const { request, parts, tier } = prepared;
    const hit = await this.#operation(request.operation).lookup<unknown>(parts as string[], {
      promote: tier !== 'large' || this.config.promoteLargeToL1,
    });
    return this.#counted<T>(prepared, hit, started);
  }

  /** Counts a lookup's outcome (hit or miss) in the stats and returns the hit. */
  #counted<T>(
    prepared: PreparedRequest,
    hit: { value: unknown; tier: 'l1' | 'l2' } | undefined,
    started: number,
  ): ResponseHit<T> | undefined {
    const { request, tier } = prepared;
    const slice = this.#slice(request.operation);
    if (!hit || !isStoredAnswer(hit.value)) {
      slice.misses++;
      this.#tierStats[tier].misses++;
      return undefined;
    }
    slice.hits++;
    this.#tierStats[tier].hits++;
    this.#tierHits[hit.tier]++;
    const stored = hit.value;
    this.#countSavings(stored.m, performance.now() - started);
    return { response: stored.r as T, tier: hit.tier, meta: stored.m, storedAt: stored.at };
  }

  /** Removes one answer from both tiers. */
  async invalidate(request: ResponseRequest): Promise<boolean> {
    return this.invalidatePrepared(await this.#prepared(request, 'invalidate'));
  }

  /** Like {@link AIResponseCache.invalidate}, for a request keyed by {@link AIResponseCache.prepare}. */
  async invalidatePrepared(prepared: PreparedRequest): Promise<boolean> {
    return this.#operation(prepared.request.operation).delete(prepared.parts as string[]);
  }

  /**
   * Removes every answer of this cache's namespace (all operations) from both tiers, in every
   * process (SCAN by prefix in Redis), and nothing else: not another namespace's answers (nor
   * those of views nested in this one), not generic entries stored through {@link AIResponseCache.cache}.
   */
  async clear(): Promise<void> {
    await this.#ai.clear();
  }

  /** Removes every answer of `operation` in this cache's namespace from both tiers (SCAN by prefix in Redis), and nothing else. */
  async invalidateOperation(operation: string): Promise<void> {
    const issues = this.#validateOperation(operation);
    if (issues.length) throw new ValidationError('Invalid invalidateOperation() call', issues);
    await this.#operation(operation).clear();
  }

  /** The full key an answer is stored under (for diagnostics and tests). */
  async keyFor(request: ResponseRequest): Promise<string> {
    const { parts } = await this.#prepared(request, 'keyFor');
    return this.#operation(request.operation).fullKey(parts as string[]);
  }

  /** The TTL in milliseconds an answer would get (per-call `ttl` > `ttlResolver` > `operationTtls` > `defaultTtl`). */
  ttlFor(args: ResponseRequest & { response?: unknown; ttl?: TtlSetting }): number {
    return this.#resolveTtl(args, sizeTierOf(args.text.length, this.config.sizeTiers));
  }

  /**
   * Subscribes to the cache's events (`hit`, `miss`, `set`, `error`, `degraded`, `recovered`, ...).
   * Events are those of the shared cache (every namespace view); an answer's key appears as
   * `prefix:…:ai:{operation}:#{hash of the full key}`, never with its text.
   */
  on(event: CacheEventName, listener: CacheListener): () => void {
    return this.cache.on(event, listener);
  }

  /** Counts a hit served outside `getResponse` (e.g. by an integration) as savings. */
  recordSavings(meta: ResponseMeta | undefined, hitLatencyMs: number): void {
    this.#countSavings(meta, hitLatencyMs);
  }

  /**
   * Counters since creation, of this namespace only (hits, misses, sets, operations, size tiers,
   * compression, savings, `l1Hits` / `l2Hits`). `errors`, `degraded` and `cache` are those of the
   * shared connections (every namespace view).
   */
  stats(): AIResponseCacheStats {
    const cache = this.#shared.root.stats();
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
      l1Hits: this.#tierHits.l1,
      l2Hits: this.#tierHits.l2,
      sets,
      errors: cache.errors,
      degraded: cache.degraded,
      breaker: cache.breaker,
      backend: this.#shared.backendName,
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

  /**
   * Closes what this cache owns, in parallel and each once: the backend, fallback, lock and bus
   * it created, and those handed to it unless marked not owned (`owns`). Never throws. A view
   * made by {@link AIResponseCache.namespace} owns nothing: its `close()` does nothing.
   */
  async close(): Promise<void> {
    if (this.#derived) return;
    await this.#shared.root.close();
  }

  // ---------------------------------------------------------------------------------------------

  #operation(operation: string): Cache {
    let cache = this.#operations.get(operation);
    if (!cache) {
      const shared = this.#shared;
      const label = [this.config.prefix, ...this.#path.map((n) => `@${n}`), 'ai', operation].join(':');
      cache = this.#ai.namespace(operation, {
        // Keys carry the prompt text below textHashThreshold: events and errors show a hash instead.
        describeKey: (full) => `${label}:#${shared.hasher ? shared.hasher.hash(full) : '?'}`,
      });
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
  async #prepared(
    request: ResponseRequest,
    call: string,
    extra: ValidationIssue[] = [],
  ): Promise<PreparedRequest> {
    this.#shared.hasher ??= await getHasher(this.config.hashAlgorithm);
    return this.#preparedNow(request, call, extra, this.#shared.hasher);
  }

  /**
   * Like {@link AIResponseCache.prepare}, synchronously, once the cache's hasher is loaded (after
   * its first keyed call or `connect()`); `undefined` before that.
   *
   * @throws {ValidationError} listing every problem of the request.
   */
  prepareNow(request: ResponseRequest): PreparedRequest | undefined {
    const hasher = this.#shared.hasher;
    return hasher ? this.#preparedNow(request, 'prepare', [], hasher) : undefined;
  }

  #preparedNow(
    request: ResponseRequest,
    call: string,
    extra: ValidationIssue[],
    hasher: Hasher,
  ): PreparedRequest {
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
    const textPart =
      this.config.hashAllText || text.length >= this.config.textHashThreshold
        ? `h=${hasher.hash(text)}`
        : `t=${text}`;
    const parts = [textPart, `o=${hasher.hash(optionsJson)}`];
    if (question !== undefined) parts.push(`q=${hasher.hash(question)}`);
    return { request, parts, tier: sizeTierOf(text.length, this.config.sizeTiers) };
  }

  #resolveTtl(
    args: ResponseRequest & { response?: unknown; ttl?: TtlSetting | undefined },
    sizeTier: SizeTier,
  ): number {
    const context = (): TtlContext => ({
      operation: args.operation,
      textLength: args.text.length,
      sizeTier,
      options: args.options,
      response: args.response,
    });
    if (args.ttl !== undefined) {
      const fn = typeof args.ttl === 'function';
      const ttl = typeof args.ttl === 'function' ? args.ttl(context()) : args.ttl;
      if (ttl !== undefined) return parseTtl(ttl, fn ? 'ttl (returned by the ttl function)' : 'ttl');
    }
    const { ttlFn } = this.#shared;
    if (ttlFn) {
      const ttl = ttlFn(context());
      if (ttl !== undefined) return parseTtl(ttl, 'ttlResolver (returned value)');
    }
    return this.#shared.operationTtlMs.get(args.operation) ?? this.#shared.defaultTtlMs;
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
    const price = meta.model ? this.#shared.prices?.[meta.model] : undefined;
    if (price) s.costUsd += (prompt * price.input + completion * price.output) / 1_000_000;
  }
}
