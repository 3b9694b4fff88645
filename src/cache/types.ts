/**
 * Options and results of the generic {@link Cache} (see `cache.ts`).
 *
 * @module
 */
import type { BackendHealthState, CacheBackend } from '../backends/types.js';
import type { InvalidationBus } from '../bus/types.js';
import type { CompressionCodec, Serializer } from '../compression/types.js';
import type { HashAlgorithm } from '../keys/hash.js';
import type { CacheKey } from '../keys/key-builder.js';
import type { StampedeLockOptions } from '../locks/stampede.js';
import type { DistributedLock } from '../locks/types.js';
import type { ErrorEventOptions } from './events.js';
import type { L1Options } from './l1.js';
import type { Ttl } from './ttl.js';

/** Options of {@link createCache}. */
export interface CacheOptions {
  /** First segment of every key. @default 'cache' */
  prefix?: string;
  /** Namespace of the returned cache (`prefix:namespace::key`). @default none */
  namespace?: string;
  /** Default time to live of entries. @default '1h' */
  ttl?: Ttl;
  /** The in-process tier, or `false` for none (every read goes to the backend). @default {} (enabled with its defaults) */
  l1?: L1Options | false;
  /** The L2 tier (Redis, disk, memory bytes). Without one the cache is L1-only. @default none */
  backend?: CacheBackend;
  /** Compression of stored entries. @default { codec: 'lz4', threshold: 1024, level: 6 } */
  compression?: {
    /**
     * Codec of payloads at or above `threshold`: `'lz4'` (fast), `'deflate'` (smaller) or `'none'`
     * (without a backend nothing is encoded). @default 'lz4'
     */
    codec?: CompressionCodec;
    /** Serialized payloads smaller than this many bytes are stored uncompressed. @default 1024 */
    threshold?: number;
    /** Compression level, 1 (fastest) to 9 (smallest); used by deflate. @default 6 */
    level?: number;
  };
  /** Serializer of values. @default JSON */
  serializer?: Serializer;
  /** Hash used for keys too long to store verbatim. @default 'xxh64' */
  hashAlgorithm?: HashAlgorithm;
  /** Longest key stored verbatim; longer user keys are replaced by their hash. @default 250 */
  maxKeyLength?: number;
  /** Clock in epoch milliseconds, injectable for tests. @default Date.now */
  now?: () => number;
  /**
   * A backend used while `backend` is failing (e.g. a `MemoryBackend` while Redis is down).
   * Writes and reads go there until the primary answers again; it is cleared on recovery.
   * @default none (reads are misses and writes are dropped while the backend fails)
   */
  fallback?: CacheBackend;
  /**
   * Whether entering degraded mode with a `fallback` also emits a one-time process warning
   * (`process.emitWarning`, code `AIRC_FALLBACK`) besides the `degraded` event, so that a
   * cache silently running on its memory fallback shows up in the logs. @default true
   */
  fallbackWarning?: boolean;
  /** While degraded, how long to stay away from a failing backend before trying it again. @default 1000 */
  retryPrimaryAfterMs?: number;
  /** Make {@link Cache.connect} throw `InfrastructureError` when the backend cannot be reached. @default false */
  failOnConnectionError?: boolean;
  /**
   * Distributed lock for `getOrSet({ lock })` (e.g. a `RedisLock` on the same Redis), so that
   * concurrent misses across processes run one producer. @default none
   */
  lock?: DistributedLock;
  /**
   * Invalidation bus keeping the L1 tiers of several processes coherent (a
   * `RedisInvalidationBus` on the same Redis, or a `LocalInvalidationBus` in tests). Every
   * set, delete, clear and tag invalidation is announced; announcements from others drop the
   * stale L1 copies here. The bus starts on the cache's first use (no `connect()` needed;
   * `connect()` starts it and waits for it); until it is live, and always without a bus over a
   * backend, L1 entries live at most `l1.maxStaleness`. `false`: no bus.
   * @default with a `RedisBackend` (any backend exposing a `RedisConnection` as `connection`),
   * a `RedisInvalidationBus` on the backend's own connection, channel `<prefix>:#bus`, closed
   * by the cache; none with other backends
   */
  bus?: InvalidationBus | false;
  /**
   * How long tag invalidation stamps are kept in the backend; an entry with a TTL longer than
   * this could outlive the record of its tag's invalidation. @default '30d'
   */
  tagStampTtl?: Ttl;
  /**
   * Time budget of the cache work of one `getOrSet` / `resolve` / `wrap` call: lookup, lock
   * acquisition and store together (the producer's own time is not counted). Past it the
   * producer runs (a lookup still pending counts as a miss) and the value is returned while a
   * pending store finishes in the background. Overridable per call.
   * @default the backend's `commandTimeoutMs` when it exposes one, else 1000 (ms)
   */
  budget?: Ttl;
  /** Rate limiting of `error` events and `onError` callbacks, per kind (operation + error code). @default { intervalMs: 1000 } */
  errorEvents?: ErrorEventOptions;
  /**
   * Which of the components handed here {@link Cache.close} closes: `true` (all of them),
   * `false` (none), or per component. Each is closed once even when the same object is given
   * twice (e.g. as `lock` and `bus`). @default true
   */
  owns?: boolean | Ownership;
}

/** Per component, whether {@link Cache.close} closes it (see {@link CacheOptions.owns}). */
export interface Ownership {
  /** Close the `backend` handed to the cache. @default true */
  backend?: boolean;
  /** Close the `fallback` backend handed to the cache. @default true */
  fallback?: boolean;
  /** Close the `lock` handed to the cache. @default true */
  lock?: boolean;
  /** Close the `bus` handed to the cache (a bus the cache created itself is always closed). @default true */
  bus?: boolean;
}

/** Options of {@link Cache.set}. */
export interface SetOptions {
  /** Time to live of this entry. @default the cache's `ttl` */
  ttl?: Ttl;
  /**
   * How long past its TTL the entry is kept to be served when a producer fails or is too slow
   * (stale-if-error). Only `getOrSet` serves stale entries; `get` never does. @default none
   */
  grace?: Ttl | false;
  /** Whether the entry may enter L1 (`false` keeps it in the backend only, e.g. for large values). @default true */
  l1?: boolean;
  /**
   * Tags of the entry: `invalidateTags([tag])` makes every entry carrying one of them a miss,
   * in every namespace of this cache (and in other processes with a bus). @default none
   */
  tags?: readonly string[];
}

/** Options of {@link Cache.lookup} and {@link Cache.get}. */
export interface LookupOptions {
  /** Whether an L2 hit may be promoted into L1. @default true */
  promote?: boolean;
}

/** What {@link Cache.set} stored. */
export interface SetResult {
  /** The full key written. */
  key: string;
  /** Size of the stored entry (envelope) in bytes. */
  bytes: number;
  /** Size of the serialized value before compression. */
  serializedBytes: number;
  /** Whether the payload was compressed. */
  compressed: boolean;
}

/** Options of {@link Cache.getOrSet}. */
export interface GetOrSetOptions<T = unknown> extends Omit<SetOptions, 'ttl'>, LookupOptions {
  /** Time to live, or a function of the produced value returning one. @default the cache's `ttl` */
  ttl?: Ttl | ((value: T) => Ttl);
  /**
   * With `grace`: after a producer failure served the stale value, do not call the producer
   * again for this key before this long. @default '10s'
   */
  graceBackoff?: Ttl;
  /**
   * Stale-while-revalidate: an entry older than this is returned at once and ONE background
   * refresh runs (single-flight, under the lock when configured). @default none
   */
  softTtl?: Ttl;
  /**
   * Early refresh: a hit in the last `earlyRefresh` fraction of the TTL (0 < x < 1) starts a
   * background refresh before anything expires. @default none
   */
  earlyRefresh?: number;
  /** Soft timeout: when a stale (grace) value exists and the producer is slower, return the stale value; the producer still finishes and stores. @default none */
  timeout?: Ttl;
  /** Hard timeout: throw `TimeoutError` when the producer is slower (it still finishes and stores in the background). @default none */
  hardTimeout?: Ttl;
  /** Cache the produced value only when this returns true (it is returned either way). @default always */
  condition?: (value: T) => boolean;
  /**
   * - `'refresh'` (default): cache, then the producer on a miss.
   * - `'fresh'`: cache only; a miss resolves `undefined` without calling the producer.
   * - `'invalidate'`: drop the entry, then produce and store.
   * - `'bypass'`: the producer only, no read and no write.
   */
  strategy?: CacheStrategy;
  /**
   * Cross-process stampede protection through the cache's distributed lock (`createCache({ lock })`):
   * `true` for the defaults, or lock settings. Ignored when the cache has no lock. @default false
   */
  lock?: boolean | StampedeLockOptions;
  /**
   * Time budget of this call's cache work (lookup + lock acquisition + store). While the
   * backend's breaker is open (or the backend is failing) the lock is skipped altogether.
   * @default the cache's `budget`
   */
  budget?: Ttl;
}

/** Options of {@link Cache.wrap}: the getOrSet policies plus how to derive the key. */
export interface WrapOptions<A extends unknown[], R> extends GetOrSetOptions<R> {
  /**
   * The key of a call: a template such as `'items:{category}:{page}'` (placeholders name the
   * fields of a single object argument, or `arg0`, `arg1`, ... for positional arguments), or
   * a function of the arguments. @default `fn:{name}:{hash of the arguments}`
   */
  key?: string | ((...args: A) => CacheKey);
  /** Name used in the default key. @default the function's own name (required when it has none) */
  name?: string;
}

/** Per-call strategies of {@link Cache.getOrSet}. */
export type CacheStrategy = 'refresh' | 'fresh' | 'invalidate' | 'bypass';

/** How a {@link Cache.resolve} call was answered. */
export type ResolveStatus = 'hit' | 'miss' | 'stale' | 'coalesced' | 'bypass';

/** Result of {@link Cache.resolve}. */
export interface Resolved<T> {
  value: T;
  status: ResolveStatus;
}

/** Where a {@link Cache.lookup} was answered from. */
export type LookupSource = 'l1' | 'l2';

/** Result of {@link Cache.lookup}: a value with where it came from. */
export interface LookupResult<T> {
  value: T;
  tier: LookupSource;
  /** Encoded size of the entry in bytes. */
  bytes: number;
  /** When the entry was written (epoch ms, cache clock). */
  createdAt: number;
  /** Until when it is fresh. */
  freshUntil: number;
  /** Until when it may be served stale (grace). */
  staleUntil: number;
  /** Whether the entry is past its TTL (only returned to grace-aware callers). */
  stale: boolean;
  /** Tags of the entry, when it has any. */
  tags?: readonly string[];
}

/** Counters of one tier. */
export interface TierStats {
  hits: number;
  misses: number;
}

/** Snapshot returned by {@link Cache.stats}. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0 when nothing was read. */
  hitRatio: number;
  sets: number;
  deletes: number;
  errors: number;
  l1: TierStats & { entries: number; bytes: number; enabled: boolean };
  l2: TierStats & { backend: string | undefined };
  /** Whether the backend is currently failing (reads are misses, writes are dropped). */
  degraded: boolean;
  /** The backend's circuit breaker, when it has one (`CacheBackend.health`). */
  breaker: BreakerStats | undefined;
}

/** State of the backend's circuit breaker in {@link CacheStats}. */
export interface BreakerStats {
  /** `closed` (in use), `open` (skipped), `half-open` (probing). */
  state: BackendHealthState;
  /** How many times it has opened since the backend was created. */
  opened: number;
}

/** Options of {@link Cache.namespace}. */
export interface NamespaceOptions {
  /**
   * How the full keys of this namespace (and of the namespaces nested in it) appear in event
   * payloads, callback contexts (`onGet`, `onSet`, `onMiss`, `onDelete`, `onError`, so the audit,
   * performance and alerting callbacks too) and error messages and contexts. Use it when keys
   * carry text that must not be logged: `AIResponseCache` shows its keys as
   * `prefix:…:ai:{operation}:#{hash of the full key}`. Storage always uses the real key.
   * @default the parent namespace's, or the full key itself
   */
  describeKey?: (fullKey: string) => string;
}
