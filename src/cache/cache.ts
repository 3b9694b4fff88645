/**
 * The generic two-tier cache: an in-process L1 of decoded values in front of a byte backend (L2).
 *
 * Reads go L1 then L2 and promote L2 hits into L1; writes and deletes go to both. A backend
 * failure never reaches the caller: reads become misses, writes are dropped, and an `error`
 * event says why. Namespaces share one L1, one backend, one set of listeners and one stats
 * object; they differ only in their key prefix.
 *
 * @module
 */
import type { CacheBackend } from '../backends/types.js';
import type { InvalidationMessage } from '../bus/types.js';
import { entryFailure } from '../compression/codec.js';
import type { EntryCodec, EntryMeta } from '../compression/types.js';
import { CircuitOpenError, TimeoutError, toError, ValidationError } from '../errors.js';
import { getHasher, type Hasher } from '../keys/hash.js';
import { type CacheKey, escapeKeyPart, KeyBuilder } from '../keys/key-builder.js';
import { stableStringify } from '../keys/stable-stringify.js';
import { compileKeyTemplate } from '../keys/template.js';
import { produceOnce } from '../locks/stampede.js';
import { Budget, budgetedLock, lockUnusable, OVER_BUDGET } from './budget.js';
import { l1Until, startBusOnFirstUse } from './coherence.js';
import {
  breakerOpen,
  type Core,
  createCore,
  emitEvent,
  failureScope,
  l1Size,
  markDegraded,
  markRecovered,
  now,
  raceTimeout,
  redactKeyInError,
  reportError,
  TIMED_OUT,
  tagKey,
  validateTags,
} from './core.js';
import { type DisableableOp, disabling, isDisabled } from './disabling.js';
import type {
  CacheCallbacks,
  CacheEvent,
  CacheEventName,
  CacheListener,
  CacheOp,
  CacheTier,
} from './events.js';
import { ChunkFanout } from './fanout.js';
import type { L1Entry } from './l1.js';
import {
  checkOptionKeys,
  GET_OR_SET_OPTION_KEYS,
  LOOKUP_OPTION_KEYS,
  NAMESPACE_OPTION_KEYS,
  SET_OPTION_KEYS,
  WRAP_OPTION_KEYS,
} from './options-check.js';
import { parseTtl, type Ttl } from './ttl.js';
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

/**
 * Checks the TTL-like policies given as values (`ttl`, `grace`) up front, so that a bad one is a
 * ValidationError at the call, before a producer runs; a `ttl` function's result is checked when
 * its value is stored.
 */
function checkTtls(policies: { ttl?: unknown; grace?: unknown }): void {
  if (policies.ttl !== undefined && typeof policies.ttl !== 'function') parseTtl(policies.ttl as Ttl);
  if (policies.grace !== undefined && policies.grace !== false) parseTtl(policies.grace as Ttl, 'grace');
}

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
  const { core, namespaces } = createCore(options);
  return new Cache(core, namespaces);
}

/**
 * A two-tier cache. Create one with {@link createCache}; derive namespaces with
 * {@link Cache.namespace}.
 */
export class Cache {
  readonly #core: Core;
  readonly #namespaces: readonly string[];
  /** Whether this is the cache {@link createCache} returned (only it closes the shared state). */
  readonly #root: boolean;
  /** How full keys of this namespace appear in events, callbacks and errors (see {@link NamespaceOptions.describeKey}). */
  readonly #describe: ((fullKey: string) => string) | undefined;
  /** Tag stamp scopes that apply to this namespace, outermost (the root, `''`) first, its own last. */
  readonly #tagScopes: readonly string[];
  #keys: KeyBuilder | undefined;

  /** @internal use {@link createCache}. */
  constructor(
    core: Core,
    namespaces: readonly string[],
    root = true,
    describeKey?: (fullKey: string) => string,
  ) {
    this.#core = core;
    this.#namespaces = namespaces;
    this.#root = root;
    this.#describe = describeKey;
    const scopes = [''];
    for (let i = 1; i <= namespaces.length; i++)
      scopes.push(namespaces.slice(0, i).map(escapeKeyPart).join(':'));
    this.#tagScopes = scopes;
    if (core.hasher) this.#keys = this.#makeKeyBuilder(core.hasher);
  }

  // ---------------------------------------------------------------------------------------------
  // Public API
  // ---------------------------------------------------------------------------------------------

  /** Resolves when the cache is ready (hash function loaded). Calling it is optional. */
  async ready(): Promise<void> {
    await this.#keyBuilder();
  }

  /**
   * Loads the hash function and connects the backend when it has a `connect()` method. A
   * backend that cannot be reached puts the cache in degraded mode (`degraded` event; the
   * fallback serves if configured) and resolves, unless `failOnConnectionError` is set, in which
   * case the backend's `InfrastructureError` is thrown. Also starts the invalidation bus and
   * waits until it is live. Calling it is optional: backends connect, and the bus starts, on
   * first use.
   */
  async connect(): Promise<void> {
    await this.#keyBuilder();
    const bus = this.#core.bus;
    if (bus?.start) {
      // A bus that cannot subscribe yet keeps trying by itself; L1 staleness stays capped meanwhile.
      await bus.start().catch((error: unknown) => this.#reportError('connect', '', error, { reason: 'bus' }));
    }
    const backend = this.#core.backend;
    if (!backend?.connect) return;
    try {
      await backend.connect();
      if (this.#core.degraded) this.#backendOk();
    } catch (error) {
      if (this.#core.failOnConnectionError) throw error;
      this.#backendFailed('connect', '', error);
    }
  }

  /**
   * The full key under which `key` is stored: `prefix:ns1:ns2::key` (`prefix::key` at the root),
   * or `prefix:ns1:ns2:#:<hash>` for a key too long for `maxKeyLength`.
   *
   * @throws {ValidationError} when `key` is not a valid {@link CacheKey}.
   */
  async fullKey(key: CacheKey): Promise<string> {
    return (this.#keys ?? (await this.#keyBuilder())).key(key);
  }

  /** The value stored under `key`, or `undefined` on a miss. Never throws because of the backend. */
  async get<T = unknown>(key: CacheKey, options?: LookupOptions): Promise<T | undefined> {
    if (options) checkOptionKeys(options, LOOKUP_OPTION_KEYS, 'get options');
    const full = (this.#keys ?? (await this.#keyBuilder())).key(key);
    // Fast path for the common L1 hit: no result object, no extra async frame.
    const core = this.#core;
    const l1 = core.l1;
    if (l1 !== undefined && core.callbacks.length === 0 && !core.emitter.listening('hit')) {
      const entry = l1.peek(full);
      if (
        entry !== undefined &&
        entry.tags === undefined &&
        core.now() < entry.freshUntil &&
        !isDisabled('get')
      ) {
        core.counters.l1Hits++;
        core.counters.hits++;
        return l1.read(entry.value) as T;
      }
    }
    return (await this.#lookupFull<T>(full, options?.promote !== false))?.value;
  }

  /**
   * The entry under `key` when the in-process L1 tier holds it fresh, synchronously, else
   * `undefined` (then {@link Cache.lookup} it). For hot paths that skip an async step on an L1
   * hit; counted and announced like a hit of `lookup`. Never reads the backend.
   */
  peekL1<T = unknown>(key: CacheKey): LookupResult<T> | undefined {
    const keys = this.#keys;
    const core = this.#core;
    if (!keys || !core.l1 || core.callbacks.length > 0 || isDisabled('get')) return undefined;
    return this.#fromL1(keys.key(key), now()) as LookupResult<T> | undefined;
  }

  /** Like {@link Cache.get}, but tells which tier answered and how large the entry is. */
  async lookup<T = unknown>(key: CacheKey, options?: LookupOptions): Promise<LookupResult<T> | undefined> {
    if (options) checkOptionKeys(options, LOOKUP_OPTION_KEYS, 'lookup options');
    const full = (this.#keys ?? (await this.#keyBuilder())).key(key);
    return this.#lookupFull<T>(full, options?.promote !== false);
  }

  /** Values of several keys at once (batched against the backend when it supports it). */
  async getMany<T = unknown>(keys: readonly CacheKey[]): Promise<(T | undefined)[]> {
    const kb = this.#keys ?? (await this.#keyBuilder());
    const core = this.#core;
    const fulls = keys.map((k) => kb.key(k));
    const results: (T | undefined)[] = new Array(fulls.length).fill(undefined);
    const pending: number[] = [];
    for (let i = 0; i < fulls.length; i++) {
      const hit = this.#fromL1(fulls[i] as string, now());
      if (hit) results[i] = hit.value as T;
      else pending.push(i);
    }
    if (pending.length === 0) return results;
    const backend = core.backend;
    if (!backend?.getMany) {
      await Promise.all(
        pending.map(async (i) => (results[i] = (await this.#lookupFull<T>(fulls[i] as string))?.value)),
      );
      return results;
    }
    const pendingKeys = pending.map((i) => fulls[i] as string);
    const values = await this.#io(
      'get',
      pendingKeys[0] ?? '',
      (b) => (b.getMany ? b.getMany(pendingKeys) : Promise.all(pendingKeys.map((k) => b.get(k)))),
      () => pendingKeys.map(() => undefined),
    );
    for (let j = 0; j < pending.length; j++) {
      const i = pending[j] as number;
      const full = fulls[i] as string;
      let hit = this.#acceptL2(full, values[j], now());
      if (hit?.tags && (await this.#tagsInvalidatedRemote(hit.tags, hit.createdAt))) {
        core.l1?.delete(full);
        hit = undefined;
      }
      if (hit) results[i] = (await this.#afterHit(full, hit, 0)).value as T;
      else this.#miss(full, 0);
    }
    return results;
  }

  /** Whether a fresh entry exists for `key`. */
  async has(key: CacheKey): Promise<boolean> {
    const full = (this.#keys ?? (await this.#keyBuilder())).key(key);
    const core = this.#core;
    const t = core.now();
    const entry = core.l1?.peek(full);
    if (entry && t < entry.freshUntil) return true;
    if (!core.backend) return false;
    const bytes = await this.#io(
      'has',
      full,
      (b) => b.get(full),
      () => undefined,
    );
    if (bytes === undefined) return false;
    const meta = core.codec.readMeta(bytes, full);
    if (meta === undefined) {
      // Not a sound entry of this key: decode once more (rare) to report why, and delete it.
      try {
        core.codec.decode(bytes, full);
      } catch (error) {
        this.#rejectEntry(full, error);
      }
      return false;
    }
    return core.now() < meta.freshUntil;
  }

  /**
   * Stores `value` under `key` in both tiers.
   *
   * @throws {ValidationError} when `value` is `undefined` or cannot be serialized, `ttl` is
   *   invalid, or an option key is unknown (with a "did you mean" hint). Nothing is written then. Backend failures do not throw (they are `error` events).
   */
  async set(key: CacheKey, value: unknown, options: SetOptions = {}): Promise<SetResult> {
    checkOptionKeys(options, SET_OPTION_KEYS, 'set options');
    const full = (this.#keys ?? (await this.#keyBuilder())).key(key);
    return (await this.#setFull(full, value, options)).result;
  }

  /** Removes `key` from both tiers. Resolves `true` when something was removed. */
  async delete(key: CacheKey): Promise<boolean> {
    const full = (this.#keys ?? (await this.#keyBuilder())).key(key);
    return this.#deleteFull(full);
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
    checkOptionKeys(options, GET_OR_SET_OPTION_KEYS, 'getOrSet options');
    const full = (this.#keys ?? (await this.#keyBuilder())).key(key);
    checkTtls(options);
    return this.#resolve(full, producer, options);
  }

  /** Removes every entry of this cache's namespace (the whole prefix for the root cache), in both tiers. */
  async clear(): Promise<void> {
    const kb = this.#keys ?? (await this.#keyBuilder());
    const core = this.#core;
    const prefix = kb.prefixFor();
    const start = now();
    core.l1?.clear(prefix);
    if (core.backend) {
      await this.#io(
        'clear',
        prefix,
        (b) => b.clear(prefix),
        () => undefined,
      );
      // Whatever the fallback holds for this namespace is gone too.
      if (core.fallback && !core.degraded) await core.fallback.clear(prefix).catch(() => {});
    }
    this.#announce({ type: 'clear', prefix });
    if (core.emitter.listening('clear')) {
      core.emitter.emit({ type: 'clear', op: 'clear', key: prefix, tier: 'none', durationMs: now() - start });
    }
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
    checkOptionKeys(options, WRAP_OPTION_KEYS, 'wrap options');
    const { key, name, ...policies } = options;
    checkTtls(policies);
    const keyOf = this.#wrapKey(fn, key, name);
    return async (...args: A): Promise<Awaited<R>> => {
      const userKey = await keyOf(args);
      const produce = async (): Promise<Awaited<R>> => await fn(...args);
      return (await this.resolve<Awaited<R>>(userKey, produce, policies)).value;
    };
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
    checkOptionKeys(options, WRAP_OPTION_KEYS, 'wrapIterator options');
    const { key, name, condition, strategy, promote, ...setPolicies } = options;
    checkTtls(setPolicies);
    const keyOf = this.#wrapKey(fn, key, name);
    const running = new Map<string, ChunkFanout<C>>();
    const self = this;
    return async function* cachedIterator(...args: A): AsyncGenerator<C, void, undefined> {
      if (strategy === 'bypass') {
        yield* fn(...args);
        return;
      }
      const full = (self.#keys ?? (await self.#keyBuilder())).key(await keyOf(args));
      if (strategy === 'invalidate') await self.#deleteFull(full);
      else {
        const hit = await self.#lookupFull<C[]>(full, promote !== false);
        if (hit) {
          yield* hit.value;
          return;
        }
        if (strategy === 'fresh') return;
      }
      let fanout = running.get(full);
      if (!fanout) {
        const recording = new ChunkFanout<C>(fn(...args));
        fanout = recording;
        running.set(full, recording);
        const stored = recording.settled.then(async (state) => {
          running.delete(full);
          if (state !== 'done' || (condition && !condition(recording.chunks))) return;
          const setOptions: SetOptions = {};
          const ttl =
            typeof setPolicies.ttl === 'function' ? setPolicies.ttl(recording.chunks) : setPolicies.ttl;
          if (ttl !== undefined) setOptions.ttl = ttl;
          if (setPolicies.tags !== undefined) setOptions.tags = setPolicies.tags;
          if (setPolicies.grace !== undefined) setOptions.grace = setPolicies.grace;
          if (setPolicies.l1 !== undefined) setOptions.l1 = setPolicies.l1;
          await self.#setFull(full, recording.chunks, setOptions, 'getOrSet');
        });
        stored.catch((error: unknown) =>
          self.#reportError('getOrSet', full, error, { reason: 'store-iterator' }),
        );
        // Readers see the end only once the recording is stored, so the next call is a hit.
        recording.holdEnd(stored);
      }
      const iterator = fanout.attach().iterator();
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          yield next.value;
        }
      } finally {
        await iterator.return?.();
      }
    };
  }

  /**
   * Reports a failure that an integration absorbed (the call went on without the cache) as an
   * `error` event and to `onError` callbacks, like the cache's own failures.
   */
  reportError(
    error: unknown,
    context: { op?: CacheOp; key?: string; detail?: Record<string, unknown> } = {},
  ): void {
    this.#reportError(context.op ?? 'callback', context.key ?? '', error, context.detail);
  }

  /** Builds the key function of {@link Cache.wrap}. */
  #wrapKey<A extends unknown[]>(
    fn: (...args: never[]) => unknown,
    key: string | ((...args: A) => CacheKey) | undefined,
    name: string | undefined,
  ): (args: A) => Promise<CacheKey> {
    if (typeof key === 'function') return async (args) => key(...args);
    if (typeof key === 'string') {
      const render = compileKeyTemplate(key);
      return async (args) => {
        const params: Record<string, unknown> = {};
        const first = args[0];
        if (args.length === 1 && first !== null && typeof first === 'object' && !Array.isArray(first)) {
          Object.assign(params, first);
        }
        args.forEach((arg, i) => {
          params[`arg${i}`] = arg;
        });
        // A rendered template is a string key, used verbatim: `cache.get('items:books:2')`
        // reads what `key: 'items:{category}:{page}'` stored (values are escaped like array parts).
        return render(params);
      };
    }
    const label = name ?? fn.name;
    if (!label) {
      throw new ValidationError('Cannot derive a key for an anonymous function', [
        { path: 'name', message: 'give `name` or `key` when wrapping an anonymous function' },
      ]);
    }
    return async (args) => {
      if (!this.#core.hasher) await this.#keyBuilder();
      return ['fn', label, (this.#core.hasher as Hasher).hash(stableStringify(args))];
    };
  }

  /**
   * Makes every entry carrying one of `tags` a miss, in both tiers, in this namespace and the
   * namespaces nested in it (never in a sibling or parent namespace: `tenant-b` cannot
   * invalidate `tenant-a`'s entries) and, through the bus, in every process. O(number of tags):
   * nothing is scanned; each tag gets an invalidation stamp, scoped to this namespace, that
   * entries older than it fail.
   */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    const own = this.#tagScopes[this.#tagScopes.length - 1] as string;
    const list = validateTags(tags).map((tag) => `${own}#${tag}`);
    const core = this.#core;
    const at = core.now();
    for (const tag of list) {
      if ((core.tagStamps.get(tag) ?? Number.NEGATIVE_INFINITY) < at) core.tagStamps.set(tag, at);
    }
    if (core.backend) {
      const stamp = new Uint8Array(8);
      new DataView(stamp.buffer).setFloat64(0, at, true);
      const entries = list.map((tag) => ({
        key: tagKey(core.prefix, tag),
        value: stamp,
        ttlMs: core.tagStampTtlMs,
      }));
      await this.#io(
        'set',
        entries[0]?.key ?? '',
        async (b) => {
          if (b.setMany) await b.setMany(entries);
          else await Promise.all(entries.map((e) => b.set(e.key, e.value, e.ttlMs)));
        },
        () => undefined,
      );
    }
    this.#announce({ type: 'tags', tags: list, at });
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
    checkOptionKeys(options, NAMESPACE_OPTION_KEYS, 'namespace options');
    KeyBuilder.validatePart(name, 'namespace');
    return new Cache(this.#core, [...this.#namespaces, name], false, options.describeKey ?? this.#describe);
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on(event: CacheEventName, listener: CacheListener): () => void {
    return this.#core.emitter.on(event, listener);
  }

  /** Subscribes to one occurrence of an event. */
  once(event: CacheEventName, listener: CacheListener): () => void {
    return this.#core.emitter.once(event, listener);
  }

  /** Unsubscribes a listener. */
  off(event: CacheEventName, listener: CacheListener): void {
    this.#core.emitter.off(event, listener);
  }

  /** Registers composable callbacks; returns a function that removes them. */
  use(callbacks: CacheCallbacks): () => void {
    this.#core.callbacks.push(callbacks);
    return () => {
      const i = this.#core.callbacks.indexOf(callbacks);
      if (i >= 0) this.#core.callbacks.splice(i, 1);
    };
  }

  /** Counters since creation (shared by all namespaces of one cache). */
  stats(): CacheStats {
    const c = this.#core.counters;
    const health = this.#core.backend?.health;
    const reads = c.hits + c.misses;
    return {
      hits: c.hits,
      misses: c.misses,
      hitRatio: reads === 0 ? 0 : c.hits / reads,
      sets: c.sets,
      deletes: c.deletes,
      errors: c.errors,
      l1: {
        hits: c.l1Hits,
        misses: c.l1Misses,
        entries: this.#core.l1?.size ?? 0,
        bytes: this.#core.l1?.bytes ?? 0,
        enabled: this.#core.l1 !== undefined,
      },
      l2: { hits: c.l2Hits, misses: c.l2Misses, backend: this.#core.backend?.name },
      degraded: this.#core.degraded,
      breaker: health ? { state: health.state, opened: health.opened } : undefined,
    };
  }

  /**
   * Whether the backend is failing right now (its circuit breaker is open, or its last
   * operation failed on the connection): reads are misses and writes are dropped (or both go to
   * the fallback), and the cross-process lock is skipped.
   */
  get degraded(): boolean {
    return this.#core.degraded || breakerOpen(this.#core);
  }

  /** The default cache-work budget of one call, in milliseconds (see {@link CacheOptions.budget}). */
  get budgetMs(): number {
    return this.#core.budgetMs;
  }

  /** The backend (L2), if any. */
  get backend(): CacheBackend | undefined {
    return this.#core.backend;
  }

  /** The namespaces of this cache, outermost first. */
  get namespaces(): readonly string[] {
    return this.#namespaces;
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
    const core = this.#core;
    if (!this.#root || core.closed) return;
    core.closed = true;
    core.unsubscribeHealth?.();
    core.unsubscribeHealth = undefined;
    core.errors.close();
    const owned = new Set<{ close(): Promise<void> }>();
    if (core.bus && core.owns.bus) owned.add(core.bus);
    if (core.lock && core.owns.lock) owned.add(core.lock);
    if (core.backend && core.owns.backend) owned.add(core.backend);
    if (core.fallback && core.owns.fallback) owned.add(core.fallback);
    await Promise.all(
      [...owned].map(async (component) => {
        try {
          await component.close();
        } catch (error) {
          this.#reportError('close', '', error);
        }
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Internals (full keys)
  // ---------------------------------------------------------------------------------------------

  async #resolve<T>(
    full: string,
    producer: () => T | Promise<T>,
    o: GetOrSetOptions<T>,
  ): Promise<Resolved<T>> {
    const core = this.#core;
    const strategy = o.strategy ?? 'refresh';
    if (strategy === 'bypass') return { value: await producer(), status: 'bypass' };
    const budgetMs = o.budget === undefined ? core.budgetMs : parseTtl(o.budget, 'budget');
    const budget = core.backend || core.lock ? new Budget(budgetMs) : undefined;
    if (strategy === 'invalidate') {
      const deleting = this.#deleteFull(full);
      await (budget ? budget.bound(deleting) : deleting);
      return this.#produce(full, producer, o, undefined, budget);
    }
    const entry = await this.#lookupFull<T>(full, o.promote !== false, true, budget);
    const t = core.now();
    if (entry && !entry.stale) {
      if (strategy === 'refresh' && this.#wantsRefresh(entry, t, o))
        this.#refreshInBackground(full, producer, o);
      return { value: entry.value, status: 'hit' };
    }
    if (strategy === 'fresh') return { value: undefined as T, status: 'miss' };
    const stale = entry?.stale ? entry : undefined;
    if (stale && (core.backoff.get(full) ?? 0) > t) return { value: stale.value, status: 'stale' };
    return this.#produce(full, producer, o, stale, budget);
  }

  /** Whether a fresh hit should trigger a background refresh (soft TTL or early refresh). */
  #wantsRefresh(entry: LookupResult<unknown>, t: number, o: GetOrSetOptions<never>): boolean {
    if (o.softTtl !== undefined && t - entry.createdAt >= parseTtl(o.softTtl, 'softTtl')) return true;
    if (o.earlyRefresh !== undefined) {
      if (!(o.earlyRefresh > 0 && o.earlyRefresh < 1)) {
        throw new ValidationError('Invalid earlyRefresh', [
          {
            path: 'earlyRefresh',
            message: `must be a fraction between 0 and 1 (got ${String(o.earlyRefresh)})`,
          },
        ]);
      }
      return t >= entry.freshUntil - o.earlyRefresh * (entry.freshUntil - entry.createdAt);
    }
    return false;
  }

  /** Starts one background refresh for `full` unless one is running; its failure is an `error` event. */
  #refreshInBackground<T>(full: string, producer: () => T | Promise<T>, o: GetOrSetOptions<T>): void {
    if (this.#core.flights.has(full)) return;
    this.#produce(full, producer, o, undefined).catch((error: unknown) =>
      this.#reportError('getOrSet', full, error, { reason: 'background-refresh' }),
    );
  }

  /** Produces (single-flight, optionally under the distributed lock), applying timeouts and grace. */
  async #produce<T>(
    full: string,
    producer: () => T | Promise<T>,
    o: GetOrSetOptions<T>,
    stale: LookupResult<T> | undefined,
    budget?: Budget,
  ): Promise<Resolved<T>> {
    const core = this.#core;
    const flight = core.flights.run(full, () => this.#produceAndStore(full, producer, o, budget));
    let promise: Promise<{ value: unknown; coalesced: boolean }> = flight.promise as Promise<{
      value: unknown;
      coalesced: boolean;
    }>;
    if (o.timeout !== undefined && stale) {
      const raced = await raceTimeout(promise, parseTtl(o.timeout, 'timeout'));
      if (raced === TIMED_OUT) {
        promise.catch(() => {}); // finishes (and stores) in the background
        return { value: stale.value, status: 'stale' };
      }
      promise = Promise.resolve(raced);
    }
    if (o.hardTimeout !== undefined) {
      const ms = parseTtl(o.hardTimeout, 'hardTimeout');
      const raced = await raceTimeout(promise, ms);
      if (raced === TIMED_OUT) {
        promise.catch(() => {});
        if (stale) return { value: stale.value, status: 'stale' };
        throw new TimeoutError(`Producer for ${this.#shown(full)} exceeded its hard timeout of ${ms} ms`, {
          context: { key: this.#shown(full), timeoutMs: ms },
        });
      }
      promise = Promise.resolve(raced);
    }
    try {
      const { value, coalesced } = await promise;
      core.backoff.delete(full);
      const out = (core.l1 ? core.l1.read(value) : value) as T;
      return { value: out, status: !flight.leader || coalesced ? 'coalesced' : 'miss' };
    } catch (error) {
      if (stale && !(error instanceof ValidationError)) {
        const backoffMs = parseTtl(o.graceBackoff ?? '10s', 'graceBackoff');
        core.backoff.set(full, core.now() + backoffMs);
        if (core.backoff.size > 10_000) core.backoff.delete(core.backoff.keys().next().value as string);
        this.#reportError('getOrSet', full, error, { reason: 'producer-failed-served-stale' });
        return { value: stale.value, status: 'stale' };
      }
      throw error;
    }
  }

  /**
   * Runs the producer (under the distributed lock when asked, unless the backend is failing)
   * and stores its value; with a `budget`, the lookup, lock and store steps share it.
   */
  async #produceAndStore<T>(
    full: string,
    producer: () => T | Promise<T>,
    o: GetOrSetOptions<T>,
    budget?: Budget,
  ): Promise<{ value: unknown; coalesced: boolean }> {
    const core = this.#core;
    const run = async (): Promise<unknown> => {
      const value = await producer();
      if (o.condition && !o.condition(value)) return value;
      const ttl = typeof o.ttl === 'function' ? o.ttl(value) : o.ttl;
      const setOptions: SetOptions = {};
      if (ttl !== undefined) setOptions.ttl = ttl;
      if (o.grace !== undefined) setOptions.grace = o.grace;
      if (o.l1 !== undefined) setOptions.l1 = o.l1;
      if (o.tags !== undefined) setOptions.tags = o.tags;
      return (await this.#setFull(full, value, setOptions, 'getOrSet', budget)).stored;
    };
    // While the backend fails, a waiter could not read what the lock holder stores: skip the lock.
    if (!o.lock || !core.lock || lockUnusable(core.backend?.health, core.degraded))
      return { value: await run(), coalesced: false };
    const settings = o.lock === true ? {} : o.lock;
    const result = await produceOnce<unknown>({
      lock: budget ? budgetedLock(core.lock, budget, core.backend?.health) : core.lock,
      key: full,
      ...settings,
      recheck: async () => {
        const hit = await this.#lookupFull<unknown>(full, o.promote !== false, false, budget);
        return hit?.value;
      },
      produce: run,
      onLockError: (error) => this.#reportError('getOrSet', full, error, { reason: 'lock' }),
    });
    return { value: result.value, coalesced: result.source === 'coalesced' };
  }

  /**
   * The stamp ids that can invalidate an entry of this namespace tagged `tags`: one per tag and
   * per enclosing namespace (`{escaped namespace path}#{tag}`; the root's is `#{tag}`).
   * Escaped namespace segments contain neither `:` nor `#`, so ids of different scopes differ.
   */
  #stampIds(tags: readonly string[]): string[] {
    const ids: string[] = [];
    for (const tag of tags) for (const scope of this.#tagScopes) ids.push(`${scope}#${tag}`);
    return ids;
  }

  /** Whether a tag of an entry created at `createdAt` was invalidated since (known stamps only). */
  #tagInvalidated(tags: readonly string[], createdAt: number): boolean {
    const stamps = this.#core.tagStamps;
    if (stamps.size === 0) return false;
    for (const id of this.#stampIds(tags)) {
      const stamp = stamps.get(id);
      if (stamp !== undefined && stamp >= createdAt) return true;
    }
    return false;
  }

  /** Like {@link Cache.#tagInvalidated}, after refreshing the stamps of `tags` from the backend. */
  async #tagsInvalidatedRemote(
    tags: readonly string[],
    createdAt: number,
    budget?: Budget,
  ): Promise<boolean> {
    const core = this.#core;
    if (core.backend) {
      const ids = this.#stampIds(tags);
      const keys = ids.map((id) => tagKey(core.prefix, id));
      const reading = this.#io(
        'get',
        keys[0] ?? '',
        (b) => (b.getMany ? b.getMany(keys) : Promise.all(keys.map((k) => b.get(k)))),
        () => keys.map(() => undefined),
      );
      const read = budget ? await budget.bound(reading) : await reading;
      // Over budget: decide with the stamps known here.
      const values = read === OVER_BUDGET ? [] : read;
      values.forEach((bytes, i) => {
        if (bytes?.byteLength !== 8) return;
        const at = new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
        const id = ids[i] as string;
        if ((core.tagStamps.get(id) ?? Number.NEGATIVE_INFINITY) < at) core.tagStamps.set(id, at);
      });
    }
    return this.#tagInvalidated(tags, createdAt);
  }

  /** Tells the other processes (through the bus, when there is one) what changed. */
  #announce(message: InvalidationMessage): void {
    const bus = this.#core.bus;
    if (bus && !isDisabled('set')) void bus.publish(message);
  }

  #makeKeyBuilder(hasher: Hasher): KeyBuilder {
    return new KeyBuilder({
      prefix: this.#core.prefix,
      namespace: [...this.#namespaces],
      maxKeyLength: this.#core.maxKeyLength,
      hasher,
    });
  }

  async #keyBuilder(): Promise<KeyBuilder> {
    if (this.#keys) return this.#keys;
    const core = this.#core;
    startBusOnFirstUse(core, (error) => this.#reportError('connect', '', error, { reason: 'bus' }));
    if (!core.hasher) {
      // The codec's checksums need xxhash loaded too (whatever the key hash algorithm).
      core.ready ??= Promise.all([getHasher(core.hashAlgorithm), core.codec.ready()]).then(([h]) => h);
      core.hasher = await core.ready;
    }
    this.#keys ??= this.#makeKeyBuilder(core.hasher);
    return this.#keys;
  }

  /** `full` as events, callbacks and errors show it (the namespace's `describeKey`, or itself). */
  #shown(full: string): string {
    return this.#describe === undefined || full === '' ? full : this.#describe(full);
  }

  #ttlMs(ttl: Ttl | undefined): number {
    return ttl === undefined ? this.#core.defaultTtlMs : parseTtl(ttl);
  }

  /**
   * A fresh L1 entry, or undefined (expired entries are dropped). With `allowStale`, an entry
   * past its TTL but inside its grace window is returned too, marked `stale`.
   */
  #fromL1(full: string, startedAt: number, allowStale = false): LookupResult<unknown> | undefined {
    const l1 = this.#core.l1;
    if (!l1) return undefined;
    let entry = l1.peek(full);
    if (entry?.tags && this.#tagInvalidated(entry.tags, entry.createdAt)) {
      l1.delete(full);
      entry = undefined;
    }
    if (entry !== undefined) {
      const t = this.#core.now();
      if (t < entry.freshUntil) {
        this.#core.counters.l1Hits++;
        this.#core.counters.hits++;
        if (this.#core.emitter.listening('hit')) {
          this.#emit('hit', 'get', full, 'l1', { bytes: entry.size, durationMs: now() - startedAt });
        }
        return {
          value: l1.read(entry.value),
          tier: 'l1',
          bytes: entry.size,
          createdAt: entry.createdAt,
          freshUntil: entry.freshUntil,
          staleUntil: entry.staleUntil,
          stale: false,
        };
      }
      if (t >= entry.staleUntil) {
        l1.delete(full);
      } else if (allowStale) {
        return {
          value: l1.read(entry.value),
          tier: 'l1',
          bytes: entry.size,
          createdAt: entry.createdAt,
          freshUntil: entry.freshUntil,
          staleUntil: entry.staleUntil,
          stale: true,
        };
      }
    }
    this.#core.counters.l1Misses++;
    return undefined;
  }

  async #lookupFull<T>(
    full: string,
    promote = true,
    allowStale = false,
    budget?: Budget,
  ): Promise<LookupResult<T> | undefined> {
    const core = this.#core;
    if (isDisabled('get')) return undefined;
    const startedAt =
      core.callbacks.length > 0 || core.emitter.listening('hit') || core.emitter.listening('miss')
        ? now()
        : 0;
    const l1Hit = this.#fromL1(full, startedAt, allowStale);
    if (l1Hit?.stale === false)
      return (
        core.callbacks.length ? await this.#afterHit(full, l1Hit, startedAt) : l1Hit
      ) as LookupResult<T>;
    if (!core.backend) {
      this.#miss(full, startedAt);
      return undefined;
    }
    const invalidationsBefore = core.invalidations;
    let bytes: Uint8Array | undefined;
    if (budget) {
      // Past the budget the read goes on in the background (it reports its own failure): a miss.
      const read = await budget.bound(this.#readL2(full));
      bytes = read === OVER_BUDGET ? undefined : read;
    } else {
      bytes = await this.#readL2(full);
    }
    // An invalidation that arrived while the read was in flight may concern what it returned.
    const mayPromote = promote && core.invalidations === invalidationsBefore;
    let hit = this.#acceptL2(full, bytes, core.now(), mayPromote, allowStale);
    if (hit?.tags && (await this.#tagsInvalidatedRemote(hit.tags, hit.createdAt, budget))) {
      core.l1?.delete(full);
      hit = undefined;
    }
    if (!hit || hit.stale) {
      this.#miss(full, startedAt);
      // A stale copy (grace) is only a fallback for the producer: prefer L1's if L2 had none.
      return (hit ?? l1Hit) as LookupResult<T> | undefined;
    }
    return (await this.#afterHit(full, hit, startedAt)) as LookupResult<T>;
  }

  /** Reads `full` from the backend (or the fallback while degraded); never rejects. */
  #readL2(full: string): Promise<Uint8Array | undefined> {
    const core = this.#core;
    // The hot read path calls the backend directly (no #io closures).
    if (core.degraded) {
      return this.#io(
        'get',
        full,
        (b) => b.get(full),
        () => undefined,
      );
    }
    return (core.backend as CacheBackend).get(full).catch((error: unknown) => {
      if (failureScope(error) === 'key') {
        this.#keyFailed('get', full, error, true);
        return undefined;
      }
      this.#backendFailed('get', full, error);
      if (!core.fallback) return undefined;
      return this.#io(
        'get',
        full,
        (b) => b.get(full),
        () => undefined,
      );
    });
  }

  /** Decodes bytes from L2; promotes fresh entries into L1. Corrupt entries are deleted and reported. */
  #acceptL2(
    full: string,
    bytes: Uint8Array | undefined,
    t: number,
    promote = true,
    allowStale = false,
  ): LookupResult<unknown> | undefined {
    const core = this.#core;
    if (bytes === undefined) {
      core.counters.l2Misses++;
      return undefined;
    }
    let decoded: ReturnType<EntryCodec['decode']>;
    try {
      decoded = core.codec.decode(bytes, full);
    } catch (error) {
      core.counters.l2Misses++;
      this.#rejectEntry(full, error);
      return undefined;
    }
    const stale = t >= decoded.freshUntil;
    if (stale && (!allowStale || t >= decoded.staleUntil)) {
      core.counters.l2Misses++;
      return undefined;
    }
    if (stale) {
      core.counters.l2Misses++;
    } else {
      core.counters.l2Hits++;
      core.counters.hits++;
    }
    let value = decoded.value;
    if (core.l1 && promote) {
      value = core.l1.prepare(value);
      const entry: L1Entry = {
        value,
        createdAt: decoded.createdAt,
        freshUntil: decoded.freshUntil,
        staleUntil: decoded.staleUntil,
        size: l1Size(full, decoded.rawBytes),
      };
      if (decoded.tags) entry.tags = decoded.tags;
      core.l1.capEntry(entry, l1Until(core, t));
      if (core.l1.set(full, entry, t)) {
        // The caller must not receive the object L1 holds unless protection allows it.
        value = core.l1.read(value);
      }
    }
    const result: LookupResult<unknown> = {
      value,
      tier: 'l2',
      bytes: decoded.bytes,
      createdAt: decoded.createdAt,
      freshUntil: decoded.freshUntil,
      staleUntil: decoded.staleUntil,
      stale,
    };
    if (decoded.tags) result.tags = decoded.tags;
    return result;
  }

  /**
   * Never served: a corrupt entry, or one that is not this key's (another key's, another
   * format), is a miss, an `error` event (`corrupt-entry` / `foreign-entry`) and a delete.
   */
  #rejectEntry(full: string, error: unknown): void {
    this.#reportError('decode', full, error, { reason: entryFailure(error) });
    void this.#io(
      'delete',
      full,
      (b) => b.delete(full),
      () => false,
    );
  }

  async #afterHit(
    full: string,
    hit: LookupResult<unknown>,
    startedAt: number,
  ): Promise<LookupResult<unknown>> {
    const core = this.#core;
    if (hit.tier === 'l2' && core.emitter.listening('hit')) {
      this.#emit('hit', 'get', full, 'l2', { bytes: hit.bytes, durationMs: now() - startedAt });
    }
    if (core.callbacks.length === 0) return hit;
    let value = hit.value;
    const durationMs = now() - startedAt;
    for (const callbacks of [...core.callbacks]) {
      if (!callbacks.onGet) continue;
      try {
        const replaced = await callbacks.onGet({ key: this.#shown(full), tier: hit.tier, value, durationMs });
        if (replaced !== undefined) value = replaced;
      } catch (error) {
        this.#reportError('callback', full, error, { callback: 'onGet' });
      }
    }
    return { ...hit, value };
  }

  #miss(full: string, startedAt: number): void {
    const core = this.#core;
    core.counters.misses++;
    if (core.emitter.listening('miss'))
      this.#emit('miss', 'get', full, 'none', { durationMs: now() - startedAt });
    if (core.callbacks.length)
      this.#invoke('onMiss', full, { key: this.#shown(full), durationMs: now() - startedAt });
  }

  /** Encodes and writes; returns what was stored and the value as held in L1 (decoded copy). */
  async #setFull(
    full: string,
    value: unknown,
    options: SetOptions,
    op: CacheOp = 'set',
    budget?: Budget,
  ): Promise<{ stored: unknown; result: SetResult }> {
    const core = this.#core;
    const startedAt = now();
    if (value === undefined) {
      throw new ValidationError('Cannot cache undefined', [
        { path: 'value', message: 'undefined is not a cacheable value (use null to cache "nothing")' },
      ]);
    }
    const ttlMs = this.#ttlMs(options.ttl);
    if (isDisabled('set')) {
      return { stored: value, result: { key: full, bytes: 0, serializedBytes: 0, compressed: false } };
    }
    const graceMs =
      options.grace === undefined || options.grace === false ? 0 : parseTtl(options.grace, 'grace');
    const tags = options.tags === undefined ? undefined : validateTags(options.tags);
    const t = core.now();
    const meta: EntryMeta = { createdAt: t, freshUntil: t + ttlMs, staleUntil: t + ttlMs + graceMs };
    if (tags) meta.tags = tags;
    let encoded: ReturnType<EntryCodec['encode']>;
    try {
      encoded = core.codec.encode(value, meta, full);
    } catch (error) {
      throw new ValidationError(
        'Value cannot be serialized',
        [{ path: 'value', message: toError(error).message }],
        { cause: error, context: { key: this.#shown(full) } },
      );
    }
    const size = encoded.bytes.byteLength;
    let stored: unknown;
    if (core.l1 && options.l1 !== false) {
      stored = core.l1.prepare(core.codec.deserialize(encoded.serialized));
      const entry: L1Entry = {
        value: stored,
        createdAt: t,
        freshUntil: meta.freshUntil,
        staleUntil: meta.staleUntil,
        size: l1Size(full, encoded.serialized.byteLength),
      };
      if (tags) entry.tags = tags;
      core.l1.capEntry(entry, l1Until(core, t));
      core.l1.set(full, entry, t);
    } else {
      core.l1?.delete(full);
      stored = core.codec.deserialize(encoded.serialized);
    }
    if (core.backend) {
      const writing = this.#io(
        'set',
        full,
        (b) => b.set(full, encoded.bytes, meta.staleUntil - t),
        () => undefined,
      );
      // Past the budget the write finishes in the background (#io reports its failure).
      await (budget ? budget.bound(writing) : writing);
    }
    this.#announce({ type: 'delete', keys: [full] });
    core.counters.sets++;
    if (core.emitter.listening('set')) {
      this.#emit('set', op, full, core.backend ? 'l2' : 'l1', { bytes: size, durationMs: now() - startedAt });
    }
    if (core.callbacks.length) {
      this.#invoke('onSet', full, {
        key: this.#shown(full),
        value: stored,
        ttlMs,
        bytes: size,
        tags: tags ?? [],
        durationMs: now() - startedAt,
      });
    }
    return {
      stored,
      result: {
        key: full,
        bytes: size,
        serializedBytes: encoded.serialized.byteLength,
        compressed: encoded.compressed,
      },
    };
  }

  async #deleteFull(full: string): Promise<boolean> {
    const core = this.#core;
    const startedAt = now();
    let existed = core.l1?.delete(full) ?? false;
    if (core.backend) {
      existed =
        (await this.#io(
          'delete',
          full,
          (b) => b.delete(full),
          () => false,
        )) || existed;
    }
    this.#announce({ type: 'delete', keys: [full] });
    core.counters.deletes++;
    if (core.emitter.listening('delete')) {
      this.#emit('delete', 'delete', full, core.backend ? 'l2' : 'l1', { durationMs: now() - startedAt });
    }
    if (core.callbacks.length)
      this.#invoke('onDelete', full, { key: this.#shown(full), existed, durationMs: now() - startedAt });
    return existed;
  }

  #emit(
    type: CacheEventName,
    op: CacheOp,
    key: string,
    tier: CacheTier,
    extra: Partial<CacheEvent> = {},
  ): void {
    if (this.#describe !== undefined && key !== '' && type !== 'clear') {
      // The namespace's own form of the key (e.g. hashed, for keys that carry prompt text).
      const shown = this.#shown(key);
      const error = extra.error ? redactKeyInError(extra.error, key, shown) : undefined;
      emitEvent(this.#core, type, op, shown, tier, error ? { ...extra, error } : extra);
      return;
    }
    emitEvent(this.#core, type, op, key, tier, extra);
  }

  #invoke<K extends 'onMiss' | 'onSet' | 'onDelete'>(
    name: K,
    full: string,
    context: Parameters<NonNullable<CacheCallbacks[K]>>[0],
  ): void {
    for (const callbacks of [...this.#core.callbacks]) {
      const fn = callbacks[name] as ((ctx: typeof context) => void | Promise<void>) | undefined;
      if (!fn) continue;
      try {
        const result = fn.call(callbacks, context);
        if (result && typeof (result as Promise<void>).then === 'function') {
          (result as Promise<void>).catch((error: unknown) =>
            this.#reportError('callback', full, error, { callback: name }),
          );
        }
      } catch (error) {
        this.#reportError('callback', full, error, { callback: name });
      }
    }
  }

  /** Counts an error; the `error` event and `onError` callbacks are rate-limited per kind. */
  #reportError(op: CacheOp, key: string, error: unknown, detail?: Record<string, unknown>): void {
    // Rate-limited delivery happens in the core: hand it the key as this namespace shows it.
    const shown = this.#shown(key);
    const err = toError(error);
    reportError(this.#core, op, shown, shown === key ? err : redactKeyInError(err, key, shown), detail);
  }

  /**
   * Runs one backend operation: on the primary, or on the fallback while the primary is failing
   * (without touching the primary while its breaker is open). A failure is reported (event) and
   * answered with `onFail()`; it never throws. A failure about one key (see `failureScope`)
   * concerns that key only: it never makes the cache degraded.
   */
  async #io<T>(
    op: CacheOp,
    key: string,
    fn: (backend: CacheBackend) => Promise<T>,
    onFail: () => T,
  ): Promise<T> {
    const core = this.#core;
    const fallback = core.fallback;
    const open = breakerOpen(core);
    if (core.degraded && fallback && (open || now() - core.failedAt < core.retryPrimaryAfterMs)) {
      try {
        return await fn(fallback);
      } catch (error) {
        this.#reportError(op, key, error);
        return onFail();
      }
    }
    if (open) {
      // No I/O while the breaker is open: the reason is in a (rate-limited) error event.
      this.#reportError(
        op,
        key,
        core.openError ?? new CircuitOpenError(`${core.backend?.name} skipped: its circuit breaker is open`),
        { reason: 'circuit-open' },
      );
      return onFail();
    }
    const backend = core.backend as CacheBackend;
    try {
      const result = await fn(backend);
      if (core.degraded && (backend.health?.state ?? 'closed') === 'closed') this.#backendOk();
      return result;
    } catch (error) {
      if (failureScope(error) === 'key') {
        this.#keyFailed(op, key, error);
        return onFail();
      }
      this.#backendFailed(op, key, error);
      if (!fallback) return onFail();
      try {
        return await fn(fallback);
      } catch (fallbackError) {
        this.#reportError(op, key, fallbackError);
        return onFail();
      }
    }
  }

  /**
   * A failure that concerns one key only (WRONGTYPE, OOM refusal of one write): reported; with
   * `repair` (a single-key read), the unreadable key is deleted (the next write would overwrite
   * it anyway). The cache stays on the backend.
   */
  #keyFailed(op: CacheOp, key: string, error: unknown, repair = false): void {
    this.#reportError(op, key, error, { scope: 'key' });
    if (repair) {
      void this.#io(
        'delete',
        key,
        (b) => b.delete(key),
        () => false,
      );
    }
  }

  /** A connection-level failure: reported, and the cache is degraded until the backend answers. */
  #backendFailed(op: CacheOp, key: string, error: unknown): void {
    this.#reportError(op, key, error);
    const shown = this.#shown(key);
    const err = toError(error);
    markDegraded(
      this.#core,
      op,
      shown,
      shown === key ? err : redactKeyInError(err, key, shown),
      'backend-error',
    );
  }

  #backendOk(): void {
    markRecovered(this.#core, 'backend-ok');
  }
}
