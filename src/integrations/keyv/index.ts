/**
 * `ai-response-cache/keyv`: a Keyv storage adapter over a {@link Cache}, so cache-manager,
 * cacheable and `@nestjs/cache-manager` get the tiers, compression and coherence of the cache.
 *
 * ```ts
 * import Keyv from 'keyv';
 * import { createCache } from 'ai-response-cache';
 * import { toKeyvStore } from 'ai-response-cache/keyv';
 *
 * const keyv = new Keyv({ store: toKeyvStore(createCache({ redisUrl: process.env.REDIS_URL })) });
 * ```
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Cache } from '../../index.js';

/** Options of {@link toKeyvStore}. */
export interface KeyvStoreOptions {
  /**
   * Whether `disconnect()` (called by `keyv.disconnect()`) closes the cache.
   * @default false
   */
  closeOnDisconnect?: boolean;
}

/**
 * What {@link CacheKeyvStore.opts} carries besides the {@link KeyvStoreOptions}. Keyv 5 only
 * enables `keyv.iterator()` for stores whose `opts.dialect` or `opts.url` names one of the
 * stores it knows to be iterable (`redis`, `sqlite`, ...): `url` names `redis` for that reason,
 * since {@link CacheKeyvStore.iterator} behaves like `@keyv/redis`'s (it yields the keys as Keyv
 * gave them and the stored values).
 */
export interface KeyvStoreDialect {
  /** Always `'ai-response-cache'`. */
  dialect: 'ai-response-cache';
  /** Always `'ai-response-cache://redis-compatible-iterator'` (read by Keyv, see above). */
  url: 'ai-response-cache://redis-compatible-iterator';
}

/**
 * A Keyv storage adapter (`KeyvStoreAdapter` of keyv 5). Keyv sets {@link CacheKeyvStore.namespace};
 * each Keyv namespace is a namespace of the cache (`cache.namespace(name)`), so `clear()` and
 * `iterator()` only see that namespace.
 */
export class CacheKeyvStore extends EventEmitter {
  /** The options given to {@link toKeyvStore} (Keyv reads `opts`), with {@link KeyvStoreDialect}. */
  readonly opts: KeyvStoreOptions & KeyvStoreDialect;
  /** The Keyv namespace (set by Keyv), or `undefined`. */
  namespace: string | undefined;
  readonly #cache: Cache;
  readonly #views = new Map<string, Cache>();

  /** Wraps `cache`; prefer {@link toKeyvStore}. */
  constructor(cache: Cache, options: KeyvStoreOptions = {}) {
    super();
    this.#cache = cache;
    this.opts = {
      ...options,
      dialect: 'ai-response-cache',
      url: 'ai-response-cache://redis-compatible-iterator',
    };
  }

  /** The cache of the current Keyv namespace. */
  #scope(): Cache {
    const ns = this.namespace;
    if (ns === undefined || ns === '') return this.#cache;
    let view = this.#views.get(ns);
    if (!view) {
      view = this.#cache.namespace(ns);
      if (this.#views.size >= 64) this.#views.clear();
      this.#views.set(ns, view);
    }
    return view;
  }

  /** The stored value, or `undefined`. */
  async get<Value>(key: string): Promise<Value | undefined> {
    return this.#scope().get<Value>(key);
  }

  /** Values of `keys`, in order (`undefined` for missing ones). */
  async getMany<Value>(keys: string[]): Promise<(Value | undefined)[]> {
    return this.#scope().getMany<Value>(keys);
  }

  /** Stores `value`; `ttl` in milliseconds (the cache's default TTL when absent or not positive). */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const options = typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? { ttl } : {};
    await this.#scope().set(key, value, options);
    return true;
  }

  /** Stores several values. */
  async setMany(values: Array<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
    await Promise.all(values.map((v) => this.set(v.key, v.value, v.ttl)));
  }

  /** Deletes `key`; whether it existed. */
  async delete(key: string): Promise<boolean> {
    return this.#scope().delete(key);
  }

  /** Deletes `keys`; whether at least one existed. */
  async deleteMany(keys: string[]): Promise<boolean> {
    const results = await Promise.all(keys.map((k) => this.delete(k)));
    return results.some(Boolean);
  }

  /** Whether `key` is stored. */
  async has(key: string): Promise<boolean> {
    return this.#scope().has(key);
  }

  /** Whether each of `keys` is stored. */
  async hasMany(keys: string[]): Promise<boolean[]> {
    return Promise.all(keys.map((k) => this.has(k)));
  }

  /** Removes every entry of the current namespace (of the whole cache without one). */
  async clear(): Promise<void> {
    await this.#scope().clear();
  }

  /**
   * Iterates `[key, value]` over the entries of the current namespace (`keyv.iterator()`):
   * lists the backend's keys of that namespace (`backend.keys(prefix)`, a SCAN on Redis) and
   * reads each through the cache (so expired entries are skipped, and values are decoded).
   * Entries of nested namespaces are not included, nor entries whose full key was too long
   * and was stored hashed (see `maxKeyLength`; their key cannot be recovered). A cache without
   * a backend (L1 only) yields nothing. A backend failure ends the iteration with an `error`
   * event instead of a rejection. `namespace` (passed by Keyv) is ignored: the current
   * {@link CacheKeyvStore.namespace} is used.
   */
  async *iterator(_namespace?: string): AsyncGenerator<[string, unknown], void, undefined> {
    const scope = this.#scope();
    const backend = this.#cache.backend;
    if (!backend) return;
    const probe = await scope.fullKey('x');
    // `prefix:ns::x`: everything before the `x` is the prefix of this namespace's verbatim keys.
    if (!probe.endsWith('::x')) return;
    const prefix = probe.slice(0, -1);
    try {
      for await (const full of backend.keys(prefix)) {
        const key = full.slice(prefix.length);
        const value = await scope.get(key);
        if (value !== undefined) yield [key, value];
      }
    } catch (error) {
      this.emit('error', error);
    }
  }

  /** Closes the cache when `closeOnDisconnect` is set; otherwise does nothing. */
  async disconnect(): Promise<void> {
    if (this.opts.closeOnDisconnect) await this.#cache.close();
  }
}

/** A Keyv storage adapter over `cache`: `new Keyv({ store: toKeyvStore(cache) })`. */
export function toKeyvStore(cache: Cache, options: KeyvStoreOptions = {}): CacheKeyvStore {
  return new CacheKeyvStore(cache, options);
}
