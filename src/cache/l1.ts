/**
 * The L1 tier: decoded values in process, bounded by entries and by bytes.
 *
 * Sizes are the serialized (uncompressed) size of the value plus its key and a fixed per-entry
 * overhead: about what a decoded value costs on the heap, so the byte cap bounds memory; it is
 * computed once, when the entry enters L1, never on a hit. Freshness is checked
 * against the cache's injectable clock, not lru-cache's own timers.
 *
 * @module
 */
import { LRUCache } from 'lru-cache';

/**
 * How values held in L1 are protected from mutation by callers.
 * - `'freeze'`: the stored copy is deep-frozen once when it enters L1; hits return it as is
 *   (fastest; mutating a returned value throws in strict mode).
 * - `'copy'`: every hit returns a `structuredClone` of the stored copy (callers may mutate freely).
 * - `'none'`: hits return the stored copy itself (fastest, but a caller that mutates it changes
 *   what the next caller sees).
 *
 * In every mode L1 holds its own copy, decoded from the serialized bytes, never the object that
 * was passed to `set`, so an L1 hit returns exactly what an L2 hit would.
 */
export type L1Protection = 'freeze' | 'copy' | 'none';

/** Options of the L1 tier. */
export interface L1Options {
  /** Maximum number of entries. @default 1000 */
  maxEntries?: number;
  /** Maximum total size in bytes (serialized value + key + per-entry overhead, about its heap cost). @default 67108864 (64 MiB) */
  maxBytes?: number;
  /** Entries larger than this (encoded) stay out of L1. @default 1048576 (1 MiB) */
  maxEntryBytes?: number;
  /** Upper bound for how long an entry stays in L1 (never longer than in L2). @default unbounded */
  ttl?: number | string;
  /** How values are protected from caller mutation. @default 'freeze' */
  protection?: L1Protection;
  /**
   * Longest L1 lifetime whenever no live invalidation bus vouches for L1: over a backend
   * without a bus (`bus: false`, or a backend that has none), and while the bus is down or not
   * yet started (messages from other processes may be missed). Staleness stays bounded by
   * it. @default '5s'
   */
  maxStaleness?: number | string;
}

/** One L1 entry. */
export interface L1Entry {
  /** The decoded (and, with `'freeze'`, frozen) value; see {@link L1Entry.decode}. */
  value: unknown;
  /**
   * Decodes the value, when it is not decoded yet: a `set` defers decoding its copy to the first
   * read ({@link L1Tier.valueOf}), so writes that are never read here do not pay for it.
   */
  decode?: (() => unknown) | undefined;
  /** Epoch ms when the entry was written. */
  createdAt: number;
  /** Epoch ms until which the entry is fresh. */
  freshUntil: number;
  /** Epoch ms until which the entry may be served stale. */
  staleUntil: number;
  /** Encoded size in bytes. */
  size: number;
  /** Tags of the entry, when it has any. */
  tags?: readonly string[];
}

/** Deep-freezes a JSON-like value in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item);
  } else {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** The in-process tier of a {@link Cache}. */
export class L1Tier {
  readonly #lru: LRUCache<string, L1Entry>;
  readonly #maxEntryBytes: number;
  readonly #ttlCap: number;
  readonly #protection: L1Protection;

  constructor(options: Required<Omit<L1Options, 'ttl' | 'maxStaleness'>> & { ttlMs: number }) {
    this.#maxEntryBytes = options.maxEntryBytes;
    this.#ttlCap = options.ttlMs;
    this.#protection = options.protection;
    this.#lru = new LRUCache<string, L1Entry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      maxEntrySize: Math.min(options.maxEntryBytes, options.maxBytes),
      sizeCalculation: (entry) => Math.max(1, entry.size),
    });
  }

  /** The raw entry (no freshness check, no protection). */
  peek(key: string): L1Entry | undefined {
    return this.#lru.get(key);
  }

  /** What a caller receives for a stored value, according to the protection mode. */
  read(value: unknown): unknown {
    if (this.#protection === 'copy' && value !== null && typeof value === 'object')
      return structuredClone(value);
    return value;
  }

  /**
   * What a caller receives for `entry`: its value (decoded and prepared on the first read of an
   * entry written with a deferred decode), according to the protection mode.
   */
  valueOf(entry: L1Entry): unknown {
    const decode = entry.decode;
    if (decode !== undefined) {
      entry.value = this.prepare(decode());
      entry.decode = undefined;
    }
    return this.read(entry.value);
  }

  /** Prepares a freshly decoded value for storage (freezes it in `'freeze'` mode). */
  prepare(value: unknown): unknown {
    return this.#protection === 'freeze' ? deepFreeze(value) : value;
  }

  /**
   * Stores an entry unless it is too large (a too-large entry also removes any older copy).
   * `now` is used to apply the L1 TTL cap. Returns whether the entry was admitted.
   */
  set(key: string, entry: L1Entry, now: number): boolean {
    if (entry.size > this.#maxEntryBytes) {
      this.#lru.delete(key);
      return false;
    }
    if (this.#ttlCap !== Number.POSITIVE_INFINITY) {
      const cap = now + this.#ttlCap;
      if (entry.staleUntil > cap) entry.staleUntil = cap;
      if (entry.freshUntil > cap) entry.freshUntil = cap;
    }
    this.#lru.set(key, entry);
    return true;
  }

  /** Shortens one entry's lifetime to end at `until` at the latest. */
  capEntry(entry: L1Entry, until: number): void {
    if (entry.freshUntil > until) entry.freshUntil = until;
    if (entry.staleUntil > until) entry.staleUntil = until;
  }

  /** Shortens every entry's lifetime to end at `until` at the latest. */
  capLifetime(until: number): void {
    for (const entry of this.#lru.values()) this.capEntry(entry, until);
  }

  /** Removes one key. */
  delete(key: string): boolean {
    return this.#lru.delete(key);
  }

  /** Removes every key starting with `prefix`. */
  clear(prefix: string): void {
    for (const key of [...this.#lru.keys()]) {
      if (key.startsWith(prefix)) this.#lru.delete(key);
    }
  }

  /** Number of entries held. */
  get size(): number {
    return this.#lru.size;
  }

  /** Total encoded bytes held. */
  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  /** The protection mode. */
  get protection(): L1Protection {
    return this.#protection;
  }
}

/**
 * What an L1 entry weighs against `l1.maxBytes`: the serialized (uncompressed) size of its
 * value, its key (UTF-16) and a fixed per-entry overhead (entry object, LRU node, map slot).
 * A decoded value takes about its JSON size on the heap, so the byte cap bounds memory; sizing
 * by the compressed envelope let L1 hold 40% more than its cap (npm run bench, scenario 7).
 */
export function l1Size(key: string, serializedBytes: number): number {
  return serializedBytes + 2 * key.length + L1_ENTRY_OVERHEAD;
}

/** Bytes of heap an L1 entry costs besides its value and key (measured, rounded up). */
const L1_ENTRY_OVERHEAD = 256;
