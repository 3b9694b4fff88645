/**
 * Events and composable callbacks of the {@link Cache}.
 *
 * Event objects are built only when someone listens (see {@link CacheEmitter.listening}), so an
 * unobserved cache pays nothing for them.
 *
 * @module
 */

/** Names of the events a cache emits. */
export type CacheEventName = 'hit' | 'miss' | 'set' | 'delete' | 'clear' | 'error' | 'degraded' | 'recovered';

/** Operation an event belongs to. */
export type CacheOp =
  | 'get'
  | 'set'
  | 'delete'
  | 'has'
  | 'clear'
  | 'getOrSet'
  | 'connect'
  | 'callback'
  | 'decode';

/** Tier that answered or was touched. */
export type CacheTier = 'l1' | 'l2' | 'producer' | 'none';

/** The single structured object every event carries. Never contains a cached value or a secret. */
export interface CacheEvent {
  /** Event name. */
  type: CacheEventName;
  /** Operation that produced the event. */
  op: CacheOp;
  /** Full key (prefix and namespace included); empty for cache-wide events. */
  key: string;
  /** Tier concerned. */
  tier: CacheTier;
  /** Size in bytes of the stored entry, when known. */
  bytes?: number;
  /** Duration of the operation in milliseconds, when measured. */
  durationMs?: number;
  /** Name of the backend concerned, when any. */
  backend?: string;
  /** The error, for `error` events. */
  error?: Error;
  /** Free-form, secret-free details (e.g. `{ reason: 'corrupt-entry' }`). */
  detail?: Record<string, unknown>;
}

/** A listener of {@link CacheEvent}s. */
export type CacheListener = (event: CacheEvent) => void;

/** Context handed to {@link CacheCallbacks.onGet}. */
export interface GetContext {
  key: string;
  tier: 'l1' | 'l2';
  value: unknown;
  /** Time the lookup took, in milliseconds. */
  durationMs: number;
}

/** Context handed to {@link CacheCallbacks.onSet}. */
export interface SetContext {
  key: string;
  value: unknown;
  ttlMs: number;
  bytes: number;
  tags: readonly string[];
  /** Time the write took, in milliseconds. */
  durationMs: number;
}

/**
 * Composable callbacks, registered with `cache.use(callbacks)`. Each is optional. A callback
 * that throws never breaks the cache operation: the error becomes an `error` event.
 */
export interface CacheCallbacks {
  /** Called on every hit; a non-`undefined` return value (or resolved value) replaces the value returned to the caller. */
  onGet?(context: GetContext): unknown;
  /** Called after a value was stored. */
  onSet?(context: SetContext): void | Promise<void>;
  /** Called after a key was deleted. */
  onDelete?(context: { key: string; existed: boolean; durationMs: number }): void | Promise<void>;
  /** Called on every miss. */
  onMiss?(context: { key: string; durationMs: number }): void | Promise<void>;
  /** Called on every error (backend, decoding, callback). */
  onError?(context: { key: string; op: CacheOp; error: Error }): void | Promise<void>;
}

/** A minimal, allocation-free-when-idle event emitter. An `error` event without listeners is simply dropped. */
export class CacheEmitter {
  readonly #listeners = new Map<CacheEventName, Set<CacheListener>>();

  /** Adds a listener; returns a function that removes it. */
  on(name: CacheEventName, listener: CacheListener): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener);
    return () => this.off(name, listener);
  }

  /** Adds a listener called at most once. */
  once(name: CacheEventName, listener: CacheListener): () => void {
    const remove = this.on(name, (event) => {
      remove();
      listener(event);
    });
    return remove;
  }

  /** Removes a listener. */
  off(name: CacheEventName, listener: CacheListener): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) this.#listeners.delete(name);
  }

  /** Whether anyone listens to `name`: build event objects only when this is true. */
  listening(name: CacheEventName): boolean {
    return this.#listeners.has(name);
  }

  /** Delivers an event; a throwing listener is isolated from the others and from the caller. */
  emit(event: CacheEvent): void {
    const set = this.#listeners.get(event.type);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (error) {
        if (event.type !== 'error') {
          queueMicrotask(() =>
            this.emit({ type: 'error', op: 'callback', key: event.key, tier: 'none', error: error as Error }),
          );
        }
      }
    }
  }
}
