/**
 * The generic two-tier cache: an in-process L1 of decoded values in front of a byte backend (L2).
 * Reads go L1 then L2 and promote L2 hits into L1; writes and deletes go to both. A backend
 * failure never reaches the caller: reads become misses, writes are dropped, and an `error`
 * event says why. Namespaces share one L1, one backend, listeners and stats; they differ only
 * in their key prefix. `Cache` checks options and delegates to the modules next to it.
 * @module
 */
import type { CacheBackend } from '../backends/types.js';
import { type CacheKey, KeyBuilder } from '../keys/key-builder.js';
import type { Core } from './core.js';
import { type DisableableOp, disabling } from './disabling.js';
import type { CacheCallbacks, CacheEventName, CacheListener, CacheOp } from './events.js';
import { addCallbacks, close, connect, isDegraded, openCore, statsOf } from './lifecycle.js';
import * as check from './options-check.js';
import { checkTtls, resolve } from './policies.js';
import { fastGet, getMany, has, lookupFull, NOT_FAST, peekL1 } from './reads.js';
import { createScope, keyBuilder, reportFor, type Scope } from './scope.js';
import { invalidateTags } from './tags.js';
import type {
  CacheOptions,
  CacheStats,
  GetOrSetOptions,
  LookupOptions,
  LookupResult,
  NamespaceOptions,
  Resolved,
  SetOptions,
  SetResult,
  WrapOptions,
} from './types.js';
import { wrapFunction, wrapIterator } from './wrap.js';
import { clearScope, deleteFull, setFull } from './writes.js';

/**
 * Creates a {@link Cache}. Over a `RedisBackend` its L1 is kept coherent with other processes
 * by an invalidation bus on the backend's connection, started on first use (see
 * {@link CacheOptions.bus}).
 *
 * @throws {ValidationError} listing every invalid option, unknown keys included (with a "did
 *   you mean" hint).
 *
 * @example
 * const cache = createCache({ backend: new RedisBackend({ url }), ttl: '10m' });
 * const user = await cache.getOrSet(['user', id], () => db.users.find(id));
 */
export function createCache(options: CacheOptions = {}): Cache {
  const { core, namespaces } = openCore(options);
  return new Cache(core, namespaces);
}

type DescribeKey = NamespaceOptions['describeKey'];

/** A two-tier cache: create one with {@link createCache}, derive namespaces with {@link Cache.namespace}. */
export class Cache {
  readonly #s: Scope;
  /** Whether this is the cache {@link createCache} returned (only it closes the shared state). */
  readonly #root: boolean;

  /** @internal use {@link createCache}. */
  constructor(core: Core, namespaces: readonly string[], root = true, describeKey?: DescribeKey) {
    this.#s = createScope(core, namespaces, describeKey);
    this.#root = root;
  }

  /** Resolves when the cache is ready (hash function loaded). Calling it is optional. */
  async ready(): Promise<void> {
    await keyBuilder(this.#s);
  }

  /**
   * Loads the hash function and connects the backend when it has a `connect()` method. A
   * backend that cannot be reached puts the cache in degraded mode (`degraded` event; the
   * fallback serves if configured) and resolves, unless `failOnConnectionError` is set, in which
   * case the backend's `InfrastructureError` is thrown. Also starts the invalidation bus and
   * waits until it is live. Calling it is optional: backends connect, and the bus starts, on
   * first use.
   */
  connect(): Promise<void> {
    return connect(this.#s);
  }

  /**
   * The full key under which `key` is stored: `prefix:ns1:ns2::key` (`prefix::key` at the root),
   * or `prefix:ns1:ns2:#:<hash>` for a key too long for `maxKeyLength`.
   *
   * @throws {ValidationError} when `key` is not a valid {@link CacheKey}.
   */
  async fullKey(key: CacheKey): Promise<string> {
    return (this.#s.keys ?? (await keyBuilder(this.#s))).key(key);
  }

  /** The value stored under `key`, or `undefined` on a miss. Never throws because of the backend. */
  async get<T = unknown>(key: CacheKey, options?: LookupOptions): Promise<T | undefined> {
    if (options) check.checkOptionKeys(options, check.LOOKUP_OPTION_KEYS, 'get options');
    const s = this.#s;
    const full = (s.keys ?? (await keyBuilder(s))).key(key);
    // Fast path for the common L1 hit: no result object, no extra async frame.
    const value = fastGet(s, full);
    if (value !== NOT_FAST) return value as T;
    return (await lookupFull<T>(s, full, options?.promote !== false))?.value;
  }

  /**
   * The entry under `key` when the in-process L1 tier holds it fresh, synchronously, else
   * `undefined` (then {@link Cache.lookup} it). For hot paths that skip an async step on an L1
   * hit; counted and announced like a hit of `lookup`. Never reads the backend.
   */
  peekL1<T = unknown>(key: CacheKey): LookupResult<T> | undefined {
    return peekL1(this.#s, key) as LookupResult<T> | undefined;
  }

  /** Like {@link Cache.get}, but tells which tier answered and how large the entry is. */
  async lookup<T = unknown>(key: CacheKey, options?: LookupOptions): Promise<LookupResult<T> | undefined> {
    if (options) check.checkOptionKeys(options, check.LOOKUP_OPTION_KEYS, 'lookup options');
    const full = (this.#s.keys ?? (await keyBuilder(this.#s))).key(key);
    return lookupFull<T>(this.#s, full, options?.promote !== false);
  }

  /** Values of several keys at once (batched against the backend when it supports it). */
  async getMany<T = unknown>(keys: readonly CacheKey[]): Promise<(T | undefined)[]> {
    const kb = this.#s.keys ?? (await keyBuilder(this.#s));
    const fulls = keys.map((k) => kb.key(k));
    return getMany<T>(this.#s, fulls);
  }

  /** Whether a fresh entry exists for `key`. */
  async has(key: CacheKey): Promise<boolean> {
    return has(this.#s, (this.#s.keys ?? (await keyBuilder(this.#s))).key(key));
  }

  /**
   * Stores `value` under `key` in both tiers.
   *
   * @throws {ValidationError} when `value` is `undefined` or cannot be serialized, `ttl` is
   *   invalid, or an option key is unknown (with a "did you mean" hint). Nothing is written then. Backend failures do not throw (they are `error` events).
   */
  async set(key: CacheKey, value: unknown, options: SetOptions = {}): Promise<SetResult> {
    check.checkOptionKeys(options, check.SET_OPTION_KEYS, 'set options');
    const full = (this.#s.keys ?? (await keyBuilder(this.#s))).key(key);
    return (await setFull(this.#s, full, value, options)).result;
  }

  /** Removes `key` from both tiers. Resolves `true` when something was removed. */
  async delete(key: CacheKey): Promise<boolean> {
    return deleteFull(this.#s, (this.#s.keys ?? (await keyBuilder(this.#s))).key(key));
  }

  /**
   * The value under `key`; on a miss, calls `producer` once (concurrent callers in this process
   * share that one call; with `lock`, one call across processes), stores its result and
   * returns it. A producer error reaches every waiting caller and nothing is cached, unless a
   * stale value inside its `grace` window can be served instead. See {@link GetOrSetOptions}
   * for grace, soft TTL, early refresh, timeouts, conditions and strategies.
   */
  getOrSet<T>(
    key: CacheKey,
    producer: () => T | Promise<T>,
    options: GetOrSetOptions<T> & { strategy: 'fresh' },
  ): Promise<T | undefined>;
  getOrSet<T>(key: CacheKey, producer: () => T | Promise<T>, options?: GetOrSetOptions<T>): Promise<T>;
  async getOrSet<T>(
    key: CacheKey,
    producer: () => T | Promise<T>,
    options: GetOrSetOptions<T> = {},
  ): Promise<T | undefined> {
    return (await this.resolve(key, producer, options)).value;
  }

  /** Like {@link Cache.getOrSet}, and tells how the value was obtained (`hit`, `miss`, `stale`, `coalesced`, `bypass`). */
  async resolve<T>(
    key: CacheKey,
    producer: () => T | Promise<T>,
    options: GetOrSetOptions<T> = {},
  ): Promise<Resolved<T>> {
    check.checkOptionKeys(options, check.GET_OR_SET_OPTION_KEYS, 'getOrSet options');
    const full = (this.#s.keys ?? (await keyBuilder(this.#s))).key(key);
    checkTtls(options);
    return resolve(this.#s, full, producer, options);
  }

  /** Removes every entry of this cache's namespace (the whole prefix for the root cache), in both tiers. */
  async clear(): Promise<void> {
    await clearScope(this.#s, this.#s.keys ?? (await keyBuilder(this.#s)));
  }

  /**
   * Returns a function with the same signature as `fn` whose results are cached: each call
   * goes through {@link Cache.getOrSet} with a key derived from its arguments and the given
   * policies (ttl, tags, grace, lock, ...).
   *
   * @example
   * const listItems = cache.wrap(fetchItems, { key: 'items:{category}:{page}', ttl: '5m', tags: ['items'] });
   * await listItems({ category: 'books', page: 2 });
   */
  wrap<A extends unknown[], R>(
    fn: (...args: A) => R | Promise<R>,
    options: WrapOptions<A, Awaited<R>> = {},
  ): (...args: A) => Promise<Awaited<R>> {
    check.checkOptionKeys(options, check.WRAP_OPTION_KEYS, 'wrap options');
    return wrapFunction(this.#s, fn, options);
  }

  /**
   * Caches an async generator (or any function returning an async iterable): on a miss the
   * items reach the caller as they are produced and are recorded; the recording is stored only
   * when the iteration finished cleanly (not when it threw or every reader stopped early). A hit
   * replays the stored items. Concurrent identical calls attach to the one running iteration
   * instead of starting another. Keys and policies (`ttl`, `tags`, `condition` on the item
   * array, ...) as for {@link Cache.wrap}.
   *
   * @example
   * const tokens = cache.wrapIterator(streamCompletion, { name: 'completion', ttl: '1h' });
   * for await (const token of tokens(prompt)) process.stdout.write(token);
   */
  wrapIterator<A extends unknown[], C>(
    fn: (...args: A) => AsyncIterable<C>,
    options: WrapOptions<A, C[]> = {},
  ): (...args: A) => AsyncGenerator<C, void, undefined> {
    check.checkOptionKeys(options, check.WRAP_OPTION_KEYS, 'wrapIterator options');
    return wrapIterator(this.#s, fn, options);
  }

  /**
   * Reports a failure that an integration absorbed (the call went on without the cache) as an
   * `error` event and to `onError` callbacks, like the cache's own failures.
   */
  reportError(
    error: unknown,
    context: { op?: CacheOp; key?: string; detail?: Record<string, unknown> } = {},
  ): void {
    reportFor(this.#s, context.op ?? 'callback', context.key ?? '', error, context.detail);
  }

  /**
   * Makes every entry carrying one of `tags` a miss, in both tiers, in this namespace and the
   * namespaces nested in it (never in a sibling or parent namespace: `tenant-b` cannot
   * invalidate `tenant-a`'s entries) and, through the bus, in every process. O(number of tags):
   * nothing is scanned; each tag gets an invalidation stamp, scoped to this namespace, that
   * entries older than it fail. A process remembers the latest 10,000 stamps; past that, the
   * stamps it forgets make every tagged entry older than them a miss (never a stale hit).
   */
  invalidateTags(tags: readonly string[]): Promise<void> {
    return invalidateTags(this.#s, tags);
  }

  /**
   * Runs `fn` with cache operations disabled for everything called inside its async context
   * (every cache and integration, not only this one): `['get']` skips reads, `['set']` skips
   * writes. See {@link disabling}.
   */
  disabling<T>(ops: readonly DisableableOp[], fn: () => T): T {
    return disabling(ops, fn);
  }

  /**
   * A cache whose keys live under `name` inside this cache's namespace. Namespaces nest, and
   * inherit `describeKey` unless `options` give their own.
   */
  namespace(name: string, options: NamespaceOptions = {}): Cache {
    check.checkOptionKeys(options, check.NAMESPACE_OPTION_KEYS, 'namespace options');
    KeyBuilder.validatePart(name, 'namespace');
    const s = this.#s;
    return new Cache(s.core, [...s.namespaces, name], false, options.describeKey ?? s.describe);
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on(event: CacheEventName, listener: CacheListener): () => void {
    return this.#s.core.emitter.on(event, listener);
  }

  /** Subscribes to one occurrence of an event. */
  once(event: CacheEventName, listener: CacheListener): () => void {
    return this.#s.core.emitter.once(event, listener);
  }

  /** Unsubscribes a listener. */
  off(event: CacheEventName, listener: CacheListener): void {
    this.#s.core.emitter.off(event, listener);
  }

  /** Registers composable callbacks; returns a function that removes them. */
  use(callbacks: CacheCallbacks): () => void {
    return addCallbacks(this.#s.core, callbacks);
  }

  /** Counters since creation (shared by all namespaces of one cache). */
  stats(): CacheStats {
    return statsOf(this.#s);
  }

  /**
   * Whether the backend is failing right now (its circuit breaker is open, or its last
   * operation failed on the connection): reads are misses and writes are dropped (or both go to
   * the fallback), and the cross-process lock is skipped.
   */
  get degraded(): boolean {
    return isDegraded(this.#s);
  }

  /** The default cache-work budget of one call, in milliseconds (see {@link CacheOptions.budget}). */
  get budgetMs(): number {
    return this.#s.core.budgetMs;
  }

  /** The backend (L2), if any. */
  get backend(): CacheBackend | undefined {
    return this.#s.core.backend;
  }

  /** The namespaces of this cache, outermost first. */
  get namespaces(): readonly string[] {
    return this.#s.namespaces;
  }

  /**
   * Closes what the cache owns, in parallel, each once even when the same object was given
   * twice: the backend, the fallback, the lock and the bus handed to {@link createCache}, except
   * those marked not owned (`owns`). Also stops following the backend's health and delivers
   * pending `error` summaries. Never throws (a failing close is an `error` event with op
   * `'close'`). Only the cache `createCache` returned closes anything: on a namespace derived
   * with {@link Cache.namespace} this does nothing. Further calls resolve at once; other calls
   * after it are not supported.
   */
  async close(): Promise<void> {
    if (this.#root) await close(this.#s);
  }
}
