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
  | 'decode'
  | 'close';

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
  /**
   * Free-form, secret-free details (e.g. `{ reason: 'corrupt-entry' }`). On `error` events:
   * `scope: 'key'` for a failure about that key only, `reason: 'circuit-open'` for an operation
   * skipped while the breaker is open, and `suppressed` on a rate-limited summary (how many
   * errors of the same kind it stands for besides itself).
   */
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
  /**
   * Called on errors (backend, decoding, callback), rate-limited like the `error` event (see
   * `createCache({ errorEvents })`): `suppressed` is set on a summary and counts the errors of
   * the same kind folded into it.
   */
  onError?(context: { key: string; op: CacheOp; error: Error; suppressed?: number }): void | Promise<void>;
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

/** Options of the `error`-event rate limiter (`createCache({ errorEvents })`). */
export interface ErrorEventOptions {
  /**
   * Per kind of error (operation + error code + failure scope), the first `error` event is delivered at once;
   * the following ones inside `intervalMs` are folded into one summary event delivered when the
   * interval ends (or with the next error of that kind after it), whose
   * `detail.suppressed` says how many were folded. `0` delivers every error event.
   * `stats().errors` counts every error either way. @default 1000
   */
  intervalMs?: number;
}

/** What the limiter hands to its `deliver` function: one error to report now. */
export interface LimitedError {
  op: CacheOp;
  key: string;
  error: Error;
  detail: Record<string, unknown> | undefined;
  /** How many errors of this kind were folded into this one (0 for a first occurrence). */
  suppressed: number;
}

interface ErrorKind {
  /** Errors of this kind are folded until then (cache clock). */
  until: number;
  /** Folded since the last delivery. */
  suppressed: number;
  /** The latest folded error, delivered as the summary. */
  last: Omit<LimitedError, 'suppressed'> | undefined;
}

/** Most distinct kinds tracked; the oldest is forgotten past it. */
const MAX_KINDS = 256;

/**
 * Rate-limits error reports per kind (`op` + error code): the first at once, then at most one
 * summary per interval carrying the count of folded errors. Times come from the cache clock;
 * pending summaries are also flushed by one unref'd timer (so they arrive even when the errors
 * stop) and by {@link ErrorLimiter.close}.
 */
export class ErrorLimiter {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #deliver: (report: LimitedError) => void;
  readonly #kinds = new Map<string, ErrorKind>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(intervalMs: number, now: () => number, deliver: (report: LimitedError) => void) {
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#deliver = deliver;
  }

  /** Reports one error: delivered now, or folded into the next summary of its kind. */
  report(op: CacheOp, key: string, error: Error, detail: Record<string, unknown> | undefined): void {
    if (this.#intervalMs <= 0 || this.#closed) {
      this.#deliver({ op, key, error, detail, suppressed: 0 });
      return;
    }
    const { code, scope } = error as { code?: unknown; scope?: unknown };
    // A failure about one key and a connection failure of the same op are different kinds.
    const kind = `${op}\u0000${typeof code === 'string' ? code : error.name}\u0000${String(scope)}`;
    const t = this.#now();
    const state = this.#kinds.get(kind);
    if (state && t < state.until) {
      state.suppressed++;
      state.last = { op, key, error, detail };
      this.#arm();
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    this.#kinds.delete(kind);
    this.#kinds.set(kind, { until: t + this.#intervalMs, suppressed: 0, last: undefined });
    if (this.#kinds.size > MAX_KINDS) {
      const oldest = this.#kinds.keys().next().value as string;
      this.#flushKind(oldest);
      this.#kinds.delete(oldest);
    }
    this.#deliver({ op, key, error, detail, suppressed });
  }

  /** Delivers every pending summary now. */
  flush(): void {
    for (const kind of this.#kinds.keys()) this.#flushKind(kind);
  }

  /** Delivers the pending summaries and clears the timer; later errors are delivered unlimited (no timer). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.flush();
    this.#kinds.clear();
  }

  #flushKind(kind: string): void {
    const state = this.#kinds.get(kind);
    if (!state?.last || state.suppressed === 0) return;
    const { last, suppressed } = state;
    state.suppressed = 0;
    state.last = undefined;
    state.until = this.#now() + this.#intervalMs;
    this.#deliver({ ...last, suppressed });
  }

  #arm(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#intervalMs);
    this.#timer.unref();
  }
}
