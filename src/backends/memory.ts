/**
 * In-process byte store on top of lru-cache.
 *
 * @module
 */
import { LRUCache } from 'lru-cache';
import { InfrastructureError, ValidationError, type ValidationIssue } from '../errors.js';
import type { BackendEntry, CacheBackend } from './types.js';

/** Options of {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /**
   * Maximum number of entries. The least recently used entry is evicted when a new one would
   * exceed it.
   * @default 10_000
   */
  maxEntries?: number;
  /**
   * Maximum total size in bytes, measured as the sum over all entries of
   * `value.byteLength + key.length` (key length in UTF-16 code units, an approximation of its
   * memory cost). Least recently used entries are evicted to make room.
   * @default 67_108_864 (64 MiB)
   */
  maxBytes?: number;
  /**
   * Largest admitted entry, measured like {@link MemoryBackendOptions.maxBytes}
   * (`value.byteLength + key.length`). A `set()` of a larger entry is silently dropped and
   * removes any previous value stored under that key, so a reader never sees a stale value.
   * Entries larger than `maxBytes` are never admitted either.
   * @default undefined (only `maxBytes` limits an entry)
   */
  maxEntryBytes?: number;
  /**
   * Clock used for expiry, in milliseconds. Inject a fake clock in tests.
   * @default Date.now
   */
  now?: () => number;
}

interface StoredEntry {
  readonly value: Uint8Array;
  /** Absolute expiry time on the {@link MemoryBackendOptions.now} clock. */
  readonly expiresAt: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

function entrySize(key: string, value: Uint8Array): number {
  // lru-cache requires a positive integer size; an empty value under an empty key counts as 1.
  return Math.max(1, value.byteLength + key.length);
}

function checkPositiveInteger(issues: ValidationIssue[], path: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    issues.push({ path, message: `expected a positive integer (got ${String(value)})` });
  }
}

function checkEntry(value: unknown, ttlMs: unknown, path = ''): void {
  const issues: ValidationIssue[] = [];
  if (!(value instanceof Uint8Array)) issues.push({ path: `${path}value`, message: 'expected a Uint8Array' });
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    issues.push({
      path: `${path}ttlMs`,
      message: `expected a finite number of milliseconds > 0 (got ${String(ttlMs)})`,
    });
  }
  if (issues.length > 0) throw new ValidationError('Invalid backend entry', issues);
}

/**
 * A {@link CacheBackend} that keeps bytes in process memory, bounded by entry count and by
 * total bytes, evicting the least recently used entries.
 *
 * Values are stored **as given, without a copy**, and `get()` returns that same
 * `Uint8Array`: callers must not mutate a value after passing it to `set()` nor a value
 * returned by `get()`.
 *
 * Expiry: each entry records its absolute `expiresAt` on the injectable clock and every read
 * (`get`, `has`, `getMany`, `keys`) checks it, so a fake clock drives expiry exactly. Memory
 * of expired entries is reclaimed lazily (no timers): when an expired entry is read, when it
 * reaches the least-recently-used end and is evicted, or when {@link MemoryBackend.purgeExpired}
 * is called. Until then it still counts towards {@link MemoryBackend.size} and
 * {@link MemoryBackend.bytes}.
 *
 * @example
 * const backend = new MemoryBackend({ maxEntries: 1000, maxBytes: 16 * 1024 * 1024 });
 * await backend.set('k', new TextEncoder().encode('v'), 60_000);
 */
export class MemoryBackend implements CacheBackend {
  /** Always `'memory'`. */
  readonly name = 'memory';

  readonly #cache: LRUCache<string, StoredEntry>;
  readonly #now: () => number;
  readonly #maxEntryBytes: number;
  #closed = false;

  /**
   * @throws {ValidationError} when an option is not a positive integer (every problem listed).
   */
  constructor(options: MemoryBackendOptions = {}) {
    const issues: ValidationIssue[] = [];
    checkPositiveInteger(issues, 'maxEntries', options.maxEntries);
    checkPositiveInteger(issues, 'maxBytes', options.maxBytes);
    checkPositiveInteger(issues, 'maxEntryBytes', options.maxEntryBytes);
    if (options.now !== undefined && typeof options.now !== 'function') {
      issues.push({ path: 'now', message: 'expected a function returning milliseconds' });
    }
    if (issues.length > 0) throw new ValidationError('Invalid MemoryBackend options', issues);

    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#maxEntryBytes = Math.min(options.maxEntryBytes ?? maxBytes, maxBytes);
    const now = options.now ?? Date.now;
    this.#now = now;
    this.#cache = new LRUCache<string, StoredEntry>({
      max: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
      maxSize: maxBytes,
      maxEntrySize: this.#maxEntryBytes,
      sizeCalculation: (entry, key) => entrySize(key, entry.value),
      // lru-cache's own TTL only reclaims memory; `expiresAt` is authoritative. Same clock,
      // read on every call (no cached "now"), so lru-cache never expires an entry earlier.
      perf: { now: () => now() },
      ttlResolution: 0,
    });
  }

  /** Number of entries held, including expired ones not reclaimed yet. */
  get size(): number {
    return this.#cache.size;
  }

  /** Current total size in bytes (`value.byteLength + key.length` summed over entries held). */
  get bytes(): number {
    return this.#cache.calculatedSize;
  }

  /** {@inheritDoc CacheBackend.get} */
  async get(key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen('get');
    return this.#read(key, true);
  }

  /** {@inheritDoc CacheBackend.set} */
  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    this.#assertOpen('set');
    this.#write(key, value, ttlMs);
  }

  /** {@inheritDoc CacheBackend.delete} */
  async delete(key: string): Promise<boolean> {
    this.#assertOpen('delete');
    const live = this.#read(key, false) !== undefined;
    this.#cache.delete(key);
    return live;
  }

  /** {@inheritDoc CacheBackend.has} */
  async has(key: string): Promise<boolean> {
    this.#assertOpen('has');
    return this.#read(key, false) !== undefined;
  }

  /** {@inheritDoc CacheBackend.clear} */
  async clear(prefix?: string): Promise<void> {
    this.#assertOpen('clear');
    if (prefix === undefined || prefix === '') {
      this.#cache.clear();
      return;
    }
    for (const key of [...this.#cache.keys()]) {
      if (key.startsWith(prefix)) this.#cache.delete(key);
    }
  }

  /**
   * {@inheritDoc CacheBackend.keys}
   *
   * Iterates a snapshot of the keys taken at the first `next()`; keys deleted or expired
   * meanwhile are skipped. Does not change recency.
   */
  async *keys(prefix?: string): AsyncIterable<string> {
    this.#assertOpen('keys');
    const snapshot = [...this.#cache.keys()];
    for (const key of snapshot) {
      if (prefix !== undefined && !key.startsWith(prefix)) continue;
      if (this.#read(key, false) !== undefined) yield key;
    }
  }

  /** {@inheritDoc CacheBackend.getMany} */
  async getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    this.#assertOpen('getMany');
    return keys.map((key) => this.#read(key, true));
  }

  /** {@inheritDoc CacheBackend.setMany} */
  async setMany(entries: BackendEntry[]): Promise<void> {
    this.#assertOpen('setMany');
    entries.forEach((entry, index) => {
      checkEntry(entry.value, entry.ttlMs, `entries.${index}.`);
    });
    for (const entry of entries) this.#write(entry.key, entry.value, entry.ttlMs);
  }

  /** Removes every expired entry now and returns how many were removed. */
  purgeExpired(): number {
    const before = this.#cache.size;
    this.#cache.purgeStale();
    const now = this.#now();
    for (const [key, entry] of [...this.#cache.entries()]) {
      if (entry.expiresAt <= now) this.#cache.delete(key);
    }
    return before - this.#cache.size;
  }

  /** Drops every entry and rejects further operations. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache.clear();
  }

  #read(key: string, touch: boolean): Uint8Array | undefined {
    const entry = touch ? this.#cache.get(key) : this.#cache.peek(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#cache.delete(key);
      return undefined;
    }
    return entry.value;
  }

  #write(key: string, value: Uint8Array, ttlMs: number): void {
    checkEntry(value, ttlMs);
    if (entrySize(key, value) > this.#maxEntryBytes) {
      this.#cache.delete(key);
      return;
    }
    const start = this.#now();
    this.#cache.set(key, { value, expiresAt: start + ttlMs }, { ttl: Math.ceil(ttlMs), start });
  }

  #assertOpen(op: string): void {
    if (this.#closed) {
      throw new InfrastructureError('MemoryBackend is closed', { context: { op, backend: 'memory' } });
    }
  }
}
