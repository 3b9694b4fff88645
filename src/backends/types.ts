/**
 * The backend contract: bytes in, bytes out, with a physical expiry.
 *
 * Backends know nothing of values, compression or TTL policy. Keys are full keys
 * (prefix and namespace already applied by the {@link Cache}).
 *
 * @module
 */

/** One entry of {@link CacheBackend.setMany}. */
export interface BackendEntry {
  key: string;
  value: Uint8Array;
  /** Physical time to live in milliseconds (> 0). */
  ttlMs: number;
}

/** State of a backend's circuit breaker: `closed` (in use), `open` (failing fast), `half-open` (probing). */
export type BackendHealthState = 'closed' | 'open' | 'half-open';

/** One change of {@link BackendHealth.state}. */
export interface BackendHealthChange {
  readonly state: BackendHealthState;
  readonly previous: BackendHealthState;
  /** The connection-level failure that opened the breaker (secret-free), when `state` is `open`. */
  readonly reason?: Error;
}

/**
 * The circuit breaker of a backend with a connection (Redis). While `state` is `open`, every
 * command fails at once with a `CircuitOpenError` and no I/O; a half-open probe closes it when
 * the server answers again.
 */
export interface BackendHealth {
  readonly state: BackendHealthState;
  /** How many times the breaker has opened since the backend was created. */
  readonly opened: number;
  /** Subscribes to state changes; returns the unsubscribe function. */
  onChange(listener: (change: BackendHealthChange) => void): () => void;
}

/**
 * A byte store with expiry. Implementations: `MemoryBackend`, `RedisBackend`, `DiskBackend`.
 * Third-party implementations can be checked with `backendConformance` from
 * `ai-response-cache/testing`.
 */
export interface CacheBackend {
  /** Short name used in events and stats (`memory`, `redis`, ...). */
  readonly name: string;
  /** The stored bytes, or `undefined` when missing or expired. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores bytes for `ttlMs` milliseconds, replacing any previous value. */
  set(key: string, value: Uint8Array, ttlMs: number): Promise<void>;
  /** Removes a key; `true` when something was removed. Idempotent. */
  delete(key: string): Promise<boolean>;
  /** Whether a live entry exists. */
  has(key: string): Promise<boolean>;
  /** Removes every key starting with `prefix` (all keys of this backend when omitted). Never FLUSHDB. */
  clear(prefix?: string): Promise<void>;
  /** Iterates the keys starting with `prefix`. */
  keys(prefix?: string): AsyncIterable<string>;
  /** Batched read; same order as `keys`. */
  getMany?(keys: string[]): Promise<(Uint8Array | undefined)[]>;
  /** Batched write. */
  setMany?(entries: BackendEntry[]): Promise<void>;
  /** Establishes the connection, when the backend has one; rejects with `InfrastructureError` when unreachable. */
  connect?(): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
  /** The circuit breaker, for backends with a connection (absent: always usable). */
  readonly health?: BackendHealth;
}
