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
 * A Keyv storage adapter (`KeyvStoreAdapter` of keyv 5). Keyv sets {@link CacheKeyvStore.namespace};
 * each Keyv namespace is a namespace of the cache (`cache.namespace(name)`), so `clear()` only
 * removes that namespace. No `iterator`: a {@link Cache} does not list its keys.
 */
export class CacheKeyvStore extends EventEmitter {
  /** The options given to {@link toKeyvStore} (Keyv reads `opts`). */
  readonly opts: KeyvStoreOptions & { dialect: 'ai-response-cache' };
  /** The Keyv namespace (set by Keyv), or `undefined`. */
  namespace: string | undefined;
  readonly #cache: Cache;
  readonly #views = new Map<string, Cache>();

  /** Wraps `cache`; prefer {@link toKeyvStore}. */
  constructor(cache: Cache, options: KeyvStoreOptions = {}) {
    super();
    this.#cache = cache;
    this.opts = { ...options, dialect: 'ai-response-cache' };
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

  /** Closes the cache when `closeOnDisconnect` is set; otherwise does nothing. */
  async disconnect(): Promise<void> {
    if (this.opts.closeOnDisconnect) await this.#cache.close();
  }
}

/** A Keyv storage adapter over `cache`: `new Keyv({ store: toKeyvStore(cache) })`. */
export function toKeyvStore(cache: Cache, options: KeyvStoreOptions = {}): CacheKeyvStore {
  return new CacheKeyvStore(cache, options);
}
