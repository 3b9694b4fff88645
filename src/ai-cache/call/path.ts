/**
 * `createCallPath(codec, options)`: the one path every LLM integration drives.
 *
 * 1. `prepare` validates the per-call options and keys the request once: the codec's key
 *    material (with the path's `scope`, e.g. the client's base URL) is hashed (sha256) into the
 *    entry's text, so no prompt ever enters a key name.
 * 2. `resolve` answers it. A call with a per-call cache option or an abort signal works alone
 *    (optional lookup, its own upstream call, so that one caller's abort never fails another's).
 *    Otherwise identical concurrent calls in this process share one flight, whatever their mode
 *    (stream or JSON): its leader looks the answer up; on a miss it calls upstream, under the
 *    cross-process lock when the cache has one (skipped while the backend fails), so that one
 *    process per cluster does. A stream being received stays joinable until it is stored.
 *
 * The cache work of one call (lookup, lock acquisition, store) shares one budget
 * (`ai.cache.budgetMs`). Cache failures are reported (`error` events, `onError`), never thrown;
 * upstream errors propagate unchanged and are never stored.
 *
 * @module
 */
import { Budget, budgetedLock } from '../../cache/budget.js';
import { getHasher, type Hasher } from '../../keys/hash.js';
import { stableStringify } from '../../keys/stable-stringify.js';
import { produceOnce } from '../../locks/stampede.js';
import type { PreparedRequest, ResponseMeta } from '../ai-response-cache.js';
import { copyJson } from './copy.js';
import { resolveEach } from './each.js';
import { Entries, NO_ANSWER } from './entries.js';
import { type Keyed, Keying } from './keying.js';
import { Prepared } from './prepared.js';
import { Recording, replayOf } from './recording.js';
import { resolveSettings, type Settings } from './settings.js';
import { asError, bypassed, type Call, type LiveSource, missingMode, type Source } from './sources.js';
import type {
  CacheStatus,
  CallPath,
  CallPathOptions,
  CallResult,
  EachResult,
  PerCallCacheOptions,
  PreparedCall,
  ProducedEach,
  Producer,
  ProviderCodec,
} from './types.js';

/** The budgets' clock (one function for every call). */
const clock = (): number => performance.now();

/** See the module documentation. */
class Path<Req, A, C> implements CallPath<Req, A, C> {
  readonly codec: ProviderCodec<Req, A, C>;
  readonly #settings: Settings<Req>;
  /** Shared calls in flight, by key (stream and JSON callers alike). */
  readonly #flights = new Map<string, Promise<Source<A, C>>>();
  /** Streams being received, by key, joinable until they are stored. */
  readonly #live = new Map<string, LiveSource<A, C>>();
  /** Single-input answers being fetched by `resolveEach`, by key. */
  readonly inputs = new Map<string, Promise<{ answer: A; meta: ResponseMeta | undefined } | undefined>>();
  #sha: Hasher | undefined;
  readonly #keying: Keying<Req>;
  /** Lookups, stores and conversions of entries. */
  readonly entries: Entries<Req, A, C>;

  constructor(codec: ProviderCodec<Req, A, C>, options: CallPathOptions<Req>) {
    if (typeof codec?.name !== 'string' || !codec.name || typeof codec.keyMaterial !== 'function') {
      throw new TypeError('createCallPath(): the codec needs a name and keyMaterial()');
    }
    this.codec = codec;
    this.#settings = resolveSettings(options, `${codec.name} cache`);
    const scope = options.scope === undefined ? '' : stableStringify(options.scope);
    this.entries = new Entries(codec, this.#settings, (error) => this.report(error));
    this.#keying = new Keying(codec as ProviderCodec<Req, unknown, unknown>, this.#settings, scope, (error) =>
      this.report(error),
    );
  }

  get settings(): Settings<Req> {
    return this.#settings;
  }

  /** Reports an absorbed failure as an `error` event and to `onError` (which may not throw). */
  report(error: unknown): void {
    const err = asError(error);
    this.#settings.ai.cache.reportError(err, { op: 'getOrSet', detail: { integration: this.codec.name } });
    try {
      this.#settings.onError?.(err);
    } catch {
      // A throwing error handler is ignored.
    }
  }

  async prepare(request: Req, perCall?: PerCallCacheOptions): Promise<PreparedCall<Req>> {
    const keyed = this.#keying.keyOf(request, perCall);
    if (!keyed.entry) return this.#unkeyed(request, keyed, keyed.bypass ?? 'unkeyable');
    let entry: PreparedRequest;
    try {
      entry = await this.#settings.ai.prepare(keyed.entry);
    } catch (error) {
      return this.#refused(request, keyed, error);
    }
    this.#ready = true;
    return this.#keyed(request, keyed, entry);
  }

  prepareNow(request: Req, perCall?: PerCallCacheOptions): PreparedCall<Req> | undefined {
    // Before the cache's hasher is loaded (the first call), `prepare` does it.
    if (!this.#ready) return undefined;
    const keyed = this.#keying.keyOf(request, perCall);
    if (!keyed.entry) return this.#unkeyed(request, keyed, keyed.bypass ?? 'unkeyable');
    let entry: PreparedRequest | undefined;
    try {
      entry = this.#settings.ai.prepareNow(keyed.entry);
    } catch (error) {
      return this.#refused(request, keyed, error);
    }
    return entry ? this.#keyed(request, keyed, entry) : undefined;
  }

  /** Whether the cache's hasher is loaded (set by the first `prepare`). */
  #ready = false;

  /** An operation name the cache refuses: the call goes upstream uncached. */
  #refused(request: Req, keyed: Keyed, error: unknown): PreparedCall<Req> {
    this.report(error);
    return this.#unkeyed(request, keyed, 'unkeyable');
  }

  /** A call that bypasses the cache. */
  #unkeyed(request: Req, keyed: Keyed, bypass: string): PreparedCall<Req> {
    return new Prepared(this, request, keyed, bypass);
  }

  #keyed(request: Req, keyed: Keyed, entry: PreparedRequest): PreparedCall<Req> {
    return new Prepared(this, request, keyed, undefined, entry);
  }

  peek(prepared: PreparedCall<Req>): CallResult<A, C> | undefined {
    const entry = Prepared.entryOf(prepared, this);
    const { noCache, forceRefresh } = prepared.perCall;
    if (!entry || noCache || forceRefresh) return undefined;
    const hit = this.entries.peek(entry);
    if (!hit) return undefined;
    const answer = this.entries.answerOf(hit.entry, prepared.request, true);
    if (answer === NO_ANSWER) return undefined;
    return hit.meta ? { answer, status: 'hit', meta: hit.meta } : { answer, status: 'hit' };
  }

  async keyFor(prepared: PreparedCall<Req>): Promise<string | undefined> {
    const entry = this.entryOf(prepared);
    return entry ? this.#settings.ai.keyFor(entry.request) : undefined;
  }

  /** The `AIResponseCache` request of a prepared call. */
  entryOf(prepared: PreparedCall<Req>): PreparedRequest | undefined {
    return Prepared.entryOf(prepared, this);
  }

  async resolve(
    prepared: PreparedCall<Req>,
    producer: Producer<A, C>,
    options: { stream?: boolean; signal?: AbortSignal } = {},
  ): Promise<CallResult<A, C>> {
    const started = performance.now();
    const stream = options.stream === true;
    const entry = this.entryOf(prepared);
    if (!entry || prepared.key === undefined || (stream && !this.#settings.streams)) {
      return bypassed(producer, stream);
    }
    const budget = new Budget(this.#settings.ai.cache.budgetMs, clock);
    const { noCache, noStore, forceRefresh } = prepared.perCall;
    const call: Call<Req, A, C> = { prepared, entry, key: prepared.key, producer };
    if (noCache || noStore || forceRefresh || options.signal) {
      return this.#result(call, await this.#alone(call, producer, stream, budget), true, stream, started);
    }
    const joined = this.#join(call, stream, started);
    if (joined) return joined;
    // A hit needs no flight: concurrent identical callers may each look up (cheap); only a miss
    // registers the flight (synchronously after the lookup), which later callers join.
    const hit = this.entries.peek(call.entry) ?? (await this.entries.lookup(call.entry, 'hit', budget));
    if (hit) return this.#result(call, hit, true, stream, started);
    const again = this.#join(call, stream, started);
    if (again) return again;
    const flight = this.#lead(call, producer, stream, budget).finally(() => {
      if (this.#flights.get(call.key) === flight) this.#flights.delete(call.key);
    });
    this.#flights.set(call.key, flight);
    return this.#result(call, await flight, true, stream, started);
  }

  /** Joins a stream being received or a flight in progress for the call's key, if any. */
  #join(
    call: Call<Req, A, C>,
    stream: boolean,
    started: number,
  ): CallResult<A, C> | Promise<CallResult<A, C>> | undefined {
    const live = this.#live.get(call.key);
    if (live) return this.#result(call, live, false, stream, started);
    const running = this.#flights.get(call.key);
    if (running) return running.then((source) => this.#result(call, source, false, stream, started));
    return undefined;
  }

  resolveEach(
    prepared: readonly PreparedCall<Req>[],
    produce: (missing: readonly Req[]) => Promise<ProducedEach<A>>,
  ): Promise<EachResult<A>> {
    return resolveEach(this, prepared, produce);
  }

  async #alone(
    call: Call<Req, A, C>,
    producer: Producer<A, C>,
    stream: boolean,
    budget: Budget,
  ): Promise<Source<A, C>> {
    const { noCache, noStore, forceRefresh } = call.prepared.perCall;
    if (forceRefresh) await budget.bound(this.entries.invalidate(call.entry));
    if (!noCache && !forceRefresh) {
      const hit = await this.entries.lookup(call.entry, 'hit', budget);
      if (hit) return hit;
    }
    return this.#produce(call, producer, stream, !noStore, budget, false);
  }

  async #lead(
    call: Call<Req, A, C>,
    producer: Producer<A, C>,
    stream: boolean,
    budget: Budget,
  ): Promise<Source<A, C>> {
    const settings = this.#settings.lock;
    const { ai } = this.#settings;
    // While the backend fails, a waiter could not read what the lock holder stores: no lock.
    const lock = settings && !ai.cache.degraded ? ai.lock : undefined;
    if (!settings || !lock) return this.#produce(call, producer, stream, true, budget, true);
    this.#sha ??= await getHasher('sha256');
    const base = {
      lock: budgetedLock(lock, budget, ai.cache.backend?.health),
      key: `${this.codec.name}:${this.#sha.hash(`${ai.config.prefix}\u0000${ai.namespacePath.join('\u0000')}\u0000${call.key}`)}`,
      ttlMs: settings.ttlMs,
      waitMs: settings.waitMs,
      onTimeout: settings.onTimeout,
      onLockError: (error: Error) => this.report(error),
      recheck: () => this.entries.lookup(call.entry, 'coalesced', budget),
    };
    if (!stream || !producer.stream) {
      const produce = () => this.#produce(call, producer, stream, true, budget, true);
      return (await produceOnce<Source<A, C>>({ ...base, produce })).value;
    }
    // A stream is handed to the caller at once, while the lock stays held until it is stored.
    let handOff: (source: LiveSource<A, C>) => void = () => {};
    const handed = new Promise<LiveSource<A, C>>((resolve) => (handOff = resolve));
    const locked = produceOnce<Source<A, C>>({
      ...base,
      produce: async () => {
        const source = await this.#produce(call, producer, true, true, budget, true);
        if (source.kind !== 'live') return source;
        handOff(source);
        await source.recording.stored;
        return source;
      },
    }).then((result) => result.value);
    locked.catch(() => {});
    return Promise.race([handed, locked]);
  }

  /** Calls upstream in the caller's mode (or the one the producer has), recording or storing. */
  async #produce(
    call: Call<Req, A, C>,
    producer: Producer<A, C>,
    stream: boolean,
    store: boolean,
    budget: Budget,
    joinable: boolean,
  ): Promise<Source<A, C>> {
    const started = performance.now();
    const request = call.prepared.request;
    if ((stream && producer.stream) || !producer.json) {
      const { value, extra } = await (producer.stream ? producer.stream() : missingMode(stream));
      const recording = new Recording<A, C>(
        value,
        {
          ...this.entries.recordingHooks(call, store, budget),
          onEnd: () => {
            if (this.#live.get(call.key)?.recording === recording) this.#live.delete(call.key);
          },
        },
        started,
      );
      const source: LiveSource<A, C> = { kind: 'live', recording, extra };
      if (joinable) this.#live.set(call.key, source);
      return source;
    }
    const { value, extra } = await producer.json();
    const meta = this.entries.meta(value, request, performance.now() - started);
    if (store && this.entries.storable(value, request)) {
      await this.entries.store(call.entry, call.prepared.perCall, { f: 'json', v: value }, meta, budget);
    }
    return { kind: 'answer', answer: value, meta, extra };
  }

  /**
   * Turns a source into this caller's result (`leader`: the caller that produced or read it);
   * synchronously but for a stream read to its end and the rare fallback upstream.
   */
  #result(
    call: Call<Req, A, C>,
    source: Source<A, C>,
    leader: boolean,
    stream: boolean,
    started: number,
  ): CallResult<A, C> | Promise<CallResult<A, C>> {
    const { ai } = this.#settings;
    const request = call.prepared.request;
    if (source.kind === 'entry') {
      // The leader's lookup counted its savings; a follower avoided an upstream call too.
      if (!leader) ai.recordSavings(source.meta, performance.now() - started);
      const status: CacheStatus = leader || source.origin === 'hit' ? source.origin : 'coalesced';
      const copy = !(leader && source.fresh);
      const { meta } = source;
      if (!stream) {
        const answer = this.entries.answerOf(source.entry, request, copy);
        if (answer !== NO_ANSWER) return meta ? { answer, status, meta } : { answer, status };
      } else {
        const served = this.entries.serve(source.entry, request, true, copy);
        if (served) return meta ? { ...served, status, meta } : { ...served, status };
      }
      // The entry cannot be served in this mode (a codec without assemble/replay): a miss.
      return this.#instead(call, stream, started);
    }
    const status: CacheStatus = leader ? 'miss' : 'coalesced';
    const extra = leader ? { extra: source.extra } : {};
    if (source.kind === 'answer') {
      if (!leader) ai.recordSavings(source.meta, performance.now() - started);
      if (!stream)
        return {
          status,
          answer: leader ? source.answer : copyJson(source.answer),
          meta: source.meta,
          ...extra,
        };
      const chunks = this.codec.replay?.(source.answer, request);
      if (!chunks) return this.#instead(call, stream, started);
      return { status, ...replayOf(chunks), meta: source.meta, ...extra };
    }
    const { recording } = source;
    if (!leader) {
      void recording.meta.then((meta) => meta && ai.recordSavings(meta, performance.now() - started));
    }
    if (stream) return { status, stream: recording.reader(), fork: () => recording.reader(), ...extra };
    return this.#assembled(call, recording, status, extra, started);
  }

  /** A JSON caller's answer assembled from a stream once it has been read to its end. */
  async #assembled(
    call: Call<Req, A, C>,
    recording: Recording<A, C>,
    status: CacheStatus,
    extra: { extra?: unknown },
    started: number,
  ): Promise<CallResult<A, C>> {
    const { chunks, clean } = await recording.readAll();
    const answer = clean ? this.codec.assemble?.(chunks, call.prepared.request) : undefined;
    if (answer === undefined) return this.#instead(call, false, started);
    return { status, answer: copyJson(answer), ...extra };
  }

  /** The result of a caller whose source cannot serve its mode: its own upstream call. */
  async #instead(call: Call<Req, A, C>, stream: boolean, started: number): Promise<CallResult<A, C>> {
    return this.#result(call, await this.#produceAlone(call, stream), true, stream, started);
  }

  /** A caller whose shared source cannot serve its mode goes upstream on its own (not stored). */
  #produceAlone(call: Call<Req, A, C>, stream: boolean): Promise<Source<A, C>> {
    return this.#produce(call, call.producer, stream, false, new Budget(0), false);
  }
}

/**
 * Creates the call path of one provider over one `AIResponseCache` (see the module
 * documentation and the README's "Caching any client" section).
 *
 * @throws {ValidationError} for invalid options (every problem listed).
 * @example
 * const path = createCallPath(myCodec, { cache: ai });
 * const prepared = await path.prepare(request);
 * const { answer, status } = await path.resolve(prepared, { json: async () => ({ value: await callApi(request) }) });
 */
export function createCallPath<Request, Answer, Chunk = never>(
  codec: ProviderCodec<Request, Answer, Chunk>,
  options: CallPathOptions<Request>,
): CallPath<Request, Answer, Chunk> {
  return new Path(codec, options);
}

export type { Path };
