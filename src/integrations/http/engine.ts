/**
 * The core shared by the Express, Fastify and fetch adapters: request -> key, policy,
 * single-flight lookup through `Cache.resolve`, store, replay.
 *
 * @module
 */
import type { Cache, GetOrSetOptions, SetOptions } from '../../index.js';
import { parseTtl, ValidationError, type ValidationIssue } from '../../index.js';
import { type Reply, replyFor, toStored } from './entry.js';
import { baseKey, type KeyParts, variedKey } from './keys.js';
import { type RequestDecision, requestDecision } from './policy.js';
import { type Recorded, Recording } from './recording.js';
import type { HttpCacheEntry, HttpCacheOptions, HttpRequestInfo, HttpRouteOptions } from './types.js';

/** What an adapter does for the core on one request. */
export interface Exchange {
  /** The request. */
  readonly request: HttpRequestInfo;
  /** The body of a POST for its key; `undefined` when it is not known (the request is then not cached). */
  body(): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /**
   * Runs the handler; its response goes to the client as it comes (with `X-Cache: MISS`) and
   * through `recording`. Resolves when it is complete or aborted (`recording.result(...)`), or
   * earlier when it will not be stored; rejects with a `HandlerFailure` when the response was
   * held back (a failure while `grace` is set) or with the handler's error.
   */
  forward(recording: Recording): Promise<Recorded>;
  /** Sends a stored response (or its 304). */
  send(reply: Reply): void | Promise<void>;
  /** Lets the handler answer, without caching. */
  pass(): void | Promise<void>;
  /** Sends what `forward` held back (or fails with the handler's error): no stale entry could replace it. */
  release(failure: unknown): void | Promise<void>;
}

/** Not stored: what a waiting request receives when the leader's response cannot be shared. */
const PASS = { kind: 'pass' } as const;
type Produced = HttpCacheEntry | typeof PASS;

/** Checks the options shared by every route; throws a `ValidationError` listing every problem. */
export function checkRouteOptions(options: HttpRouteOptions, path = ''): void {
  const issues: ValidationIssue[] = [];
  for (const field of ['ttl', 'grace'] as const) {
    const value = options[field];
    if (value === undefined) continue;
    try {
      parseTtl(value, field);
    } catch (error) {
      issues.push({
        path: `${path}${field}`,
        message: error instanceof ValidationError ? String(error.issues[0]?.message) : String(error),
      });
    }
  }
  if (
    options.statuses !== undefined &&
    !options.statuses.every((s) => Number.isInteger(s) && s >= 200 && s < 600)
  )
    issues.push({ path: `${path}statuses`, message: 'must be HTTP status codes (200-599)' });
  if (
    options.maxBodyBytes !== undefined &&
    !(Number.isInteger(options.maxBodyBytes) && options.maxBodyBytes >= 0)
  )
    issues.push({ path: `${path}maxBodyBytes`, message: 'must be a non-negative integer' });
  for (const field of ['tags', 'key'] as const)
    if (options[field] !== undefined && typeof options[field] !== 'function')
      issues.push({ path: `${path}${field}`, message: 'must be a function of the request' });
  if (issues.length > 0) throw new ValidationError('Invalid HTTP cache options', issues);
}

/** The HTTP cache of one `Cache` with its default options. */
export class HttpCacheEngine {
  /** The cache entries go to. */
  readonly cache: Cache;
  readonly #defaults: HttpCacheOptions;
  readonly #now: () => number;

  /** @throws {ValidationError} when an option is invalid. */
  constructor(cache: Cache, options: HttpCacheOptions = {}) {
    checkRouteOptions(options);
    this.cache = cache;
    this.#defaults = options;
    this.#now = options.now ?? Date.now;
  }

  /** The defaults merged with a route's options (checked). */
  route(options: HttpRouteOptions | undefined): HttpRouteOptions {
    if (options === undefined) return this.#defaults;
    checkRouteOptions(options);
    return { ...this.#defaults, ...options };
  }

  /** Answers one request (see {@link Exchange}). */
  async serve(exchange: Exchange, route: HttpRouteOptions): Promise<void> {
    const request = exchange.request;
    const decision = requestDecision(request, route);
    // A HEAD only reads (its response has no body to store): with no-cache there is nothing to do.
    if (!decision.cacheable || (request.method === 'HEAD' && !decision.read)) return exchange.pass();
    let base: KeyParts;
    try {
      const body = request.method === 'POST' ? await exchange.body() : undefined;
      if (request.method === 'POST' && body === undefined) return exchange.pass();
      base = baseKey(request, route, decision, body);
    } catch (error) {
      this.cache.reportError(error, { op: 'get', detail: { reason: 'http-key' } });
      return exchange.pass();
    }
    const state: { led: boolean; failure: unknown } = { led: false, failure: undefined };
    const first = await this.#resolve(exchange, route, decision, base, base, state);
    if (first === 'done' || first.kind !== 'vary') return;
    await this.#resolve(exchange, route, decision, base, variedKey(base, first.vary, request), state);
  }

  /** One lookup (the key without or with the `Vary` values); a vary marker is returned to the caller. */
  async #resolve(
    exchange: Exchange,
    route: HttpRouteOptions,
    decision: RequestDecision,
    base: KeyParts,
    key: KeyParts,
    state: { led: boolean; failure: unknown },
  ): Promise<'done' | Produced> {
    const head = exchange.request.method === 'HEAD';
    const options: GetOrSetOptions<Produced> = {
      // The producer stores what it records itself (its TTL and Vary are known only then).
      condition: () => false,
      strategy: head ? 'fresh' : decision.read ? 'refresh' : 'invalidate',
    };
    if (route.lock !== undefined) options.lock = route.lock;
    let resolved: Awaited<ReturnType<Cache['resolve']>>;
    try {
      resolved = await this.cache.resolve<Produced>(
        key,
        () => this.#produce(exchange, route, decision, base, state),
        options,
      );
    } catch (error) {
      // Our own handler failed (and no stale entry replaced it), or the leader's did: ours answers then.
      if (state.led) await exchange.release(state.failure ?? error);
      else {
        // A bad key (e.g. from a `key` option) is a cache problem; a leader's failure is not.
        if (error instanceof ValidationError)
          this.cache.reportError(error, { op: 'get', detail: { reason: 'http-key' } });
        await exchange.pass();
      }
      return 'done';
    }
    if (state.led && state.failure === undefined) return 'done';
    const value = resolved.value as Produced | undefined;
    if (value === undefined || value.kind === 'pass') {
      await exchange.pass();
      return 'done';
    }
    if (value.kind === 'vary') {
      // A stale marker cannot replace a failed answer; a marker under a varied key should not exist.
      if (state.led) await exchange.release(state.failure);
      else if (key !== base) await exchange.pass();
      return key === base && !state.led ? value : 'done';
    }
    const status = resolved.status === 'stale' ? 'STALE' : 'HIT';
    await exchange.send(replyFor(value, exchange.request, status, this.#now()));
    return 'done';
  }

  /** The producer of a lookup: runs the handler through the adapter, stores what may be stored. */
  async #produce(
    exchange: Exchange,
    route: HttpRouteOptions,
    decision: RequestDecision,
    base: KeyParts,
    state: { led: boolean; failure: unknown },
  ): Promise<Produced> {
    state.led = true;
    let recorded: Recorded;
    try {
      recorded = await exchange.forward(new Recording(route, decision));
    } catch (error) {
      state.failure = error;
      throw error;
    }
    try {
      return await this.#store(exchange, route, base, recorded);
    } finally {
      recorded.ack?.();
    }
  }

  /** Stores a recorded response (and its vary marker); returns what waiting requests receive. */
  async #store(
    exchange: Exchange,
    route: HttpRouteOptions,
    base: KeyParts,
    recorded: Recorded,
  ): Promise<Produced> {
    if (!recorded.storable) return PASS;
    const entry = toStored(recorded.status, recorded.headers, recorded.body, this.#now());
    const set: SetOptions = {};
    const ttl = recorded.ttlMs ?? route.ttl;
    if (ttl !== undefined) set.ttl = ttl;
    if (route.grace !== undefined) set.grace = route.grace;
    try {
      const tags = route.tags?.(exchange.request);
      if (tags !== undefined) set.tags = tags;
      if (recorded.vary.length === 0) {
        await this.cache.set(base, entry, set);
        return entry;
      }
      const marker: HttpCacheEntry = { kind: 'vary', vary: recorded.vary };
      await this.cache.set(variedKey(base, recorded.vary, exchange.request), entry, set);
      await this.cache.set(base, marker, set);
      // Waiting requests may differ in the varied headers: they look up their own variant.
      return marker;
    } catch (error) {
      this.cache.reportError(error, { op: 'set', detail: { reason: 'http-store' } });
      return PASS;
    }
  }
}
