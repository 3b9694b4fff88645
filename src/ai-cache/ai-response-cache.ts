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
import type { Cache } from '../cache/cache.js';
import type { CacheEventName, CacheListener } from '../cache/events.js';
import { redactConfig } from '../config/redact.js';
import { type AICacheConfig, sizeTierOf } from '../config/schema.js';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { getHasher } from '../keys/hash.js';
import { KeyBuilder } from '../keys/key-builder.js';
import type { DistributedLock } from '../locks/types.js';
import { answerTtlMs, operationIssues, prepareRequest } from './requests.js';
import { createShared, type Shared } from './setup.js';
import { type AIResponseCacheStats, AnswerStats, MAX_OPERATIONS } from './stats.js';
import {
  type AIResponseCacheOptions,
  type CacheResponseArgs,
  isStoredAnswer,
  type PreparedRequest,
  type ResponseHit,
  type ResponseMeta,
  type ResponseRequest,
  type StoredAnswer,
  type TtlSetting,
} from './types.js';

export type { AIResponseCacheStats, SavingsStats, SliceStats } from './stats.js';
export type {
  AIResponseCacheOptions,
  CacheResponseArgs,
  PreparedRequest,
  ResponseHit,
  ResponseMeta,
  ResponseRequest,
  ResponseUsage,
  TtlContext,
  TtlSetting,
} from './types.js';

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
  readonly #stats: AnswerStats;

  /** @throws {ValidationError} listing every invalid option. */
  constructor(options: AIResponseCacheOptions = {}) {
    const view = AIResponseCache.#view;
    AIResponseCache.#view = undefined;
    const shared = view?.shared ?? createShared(options);
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
    this.#stats = new AnswerStats(shared.prices);
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
    const ttlMs = answerTtlMs(this.#shared, { ...request, response, ttl: options.ttl }, tier);
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
    this.#stats.stored(request.operation, tier, result);
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
    if (!hit || !isStoredAnswer(hit.value)) {
      this.#stats.miss(request.operation, tier);
      return undefined;
    }
    const stored = hit.value;
    this.#stats.hit(request.operation, tier, hit.tier, stored, performance.now() - started);
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
    const issues = operationIssues(operation);
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
    return answerTtlMs(this.#shared, args, sizeTierOf(args.text.length, this.config.sizeTiers));
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
    this.#stats.saved(meta, hitLatencyMs);
  }

  /**
   * Counters since creation, of this namespace only (hits, misses, sets, operations, size tiers,
   * compression, savings, `l1Hits` / `l2Hits`). `errors`, `degraded` and `cache` are those of the
   * shared connections (every namespace view).
   */
  stats(): AIResponseCacheStats {
    return this.#stats.snapshot(this.#shared.root.stats(), this.#shared.backendName);
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
      // Named by callers: past MAX_OPERATIONS views start over (a view is cheap to make again).
      if (this.#operations.size >= MAX_OPERATIONS) this.#operations.clear();
      this.#operations.set(operation, cache);
    }
    return cache;
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
    return prepareRequest(this.config, this.#shared.hasher, request, call, extra);
  }

  /**
   * Like {@link AIResponseCache.prepare}, synchronously, once the cache's hasher is loaded (after
   * its first keyed call or `connect()`); `undefined` before that.
   *
   * @throws {ValidationError} listing every problem of the request.
   */
  prepareNow(request: ResponseRequest): PreparedRequest | undefined {
    const hasher = this.#shared.hasher;
    return hasher ? prepareRequest(this.config, hasher, request, 'prepare') : undefined;
  }
}
