/**
 * The cache side of a call path: an entry looked up (synchronously from L1, or within the
 * call's budget), stored, invalidated and served in the caller's mode (JSON or stream, through
 * the codec's conversions); the meta stored with an answer and whether an answer may be stored.
 * Cache failures are reported, never thrown.
 *
 * @module
 */
import { type Budget, OVER_BUDGET } from '../../cache/budget.js';
import type { PreparedRequest, ResponseMeta } from '../ai-response-cache.js';
import { copyJson } from './copy.js';
import { type RecordingHooks, replayOf } from './recording.js';
import type { Settings } from './settings.js';
import { type Call, type EntrySource, isEntry, type StoredEntry } from './sources.js';
import type { CallResult, PerCallCacheOptions, ProviderCodec } from './types.js';

/** What {@link Entries.answerOf} returns for an entry it cannot turn into an answer. */
export const NO_ANSWER: unique symbol = Symbol('no answer');

/** See the module documentation. */
export class Entries<Req, A, C> {
  readonly #codec: ProviderCodec<Req, A, C>;
  readonly #settings: Settings<Req>;
  readonly #report: (error: unknown) => void;

  constructor(codec: ProviderCodec<Req, A, C>, settings: Settings<Req>, report: (error: unknown) => void) {
    this.#codec = codec;
    this.#settings = settings;
    this.#report = report;
  }

  /** Meta stored with an answer: model, usage, upstream latency. */
  meta(answer: A | undefined, request: Req, latencyMs: number): ResponseMeta {
    const meta: ResponseMeta = { latencyMs: Math.round(latencyMs) };
    if (answer === undefined) return meta;
    try {
      const model = this.#codec.model?.(answer, request);
      if (model !== undefined) meta.model = model;
      const usage = this.#codec.usage?.(answer);
      if (usage !== undefined) meta.usage = usage;
    } catch (error) {
      this.#report(error);
    }
    return meta;
  }
  /** Whether a complete answer may be stored (`isCacheable`, else the codec's `storable`). */
  storable(answer: A, request: Req): boolean {
    try {
      const custom = this.#settings.isCacheable;
      if (custom) return custom(answer, request);
      return this.#codec.storable ? this.#codec.storable(answer, request) : true;
    } catch (error) {
      this.#report(error);
      return false;
    }
  }
  /** The stored entry of a request when the L1 tier holds it (synchronously), else `undefined`. */
  peek(entry: PreparedRequest): EntrySource<A, C> | undefined {
    try {
      const hit = this.#settings.ai.peekPrepared(entry);
      if (!hit || !isEntry(hit.response)) return undefined;
      const stored = hit.response as StoredEntry<A, C>;
      return { kind: 'entry', entry: stored, meta: hit.meta, origin: 'hit', fresh: false };
    } catch (error) {
      this.#report(error);
      return undefined;
    }
  }
  /** The stored entry of a request, or `undefined` (also on a cache failure, or past the budget). */
  async lookup(
    entry: PreparedRequest,
    origin: EntrySource<A, C>['origin'],
    budget: Budget,
  ): Promise<EntrySource<A, C> | undefined> {
    const noL1 = (this.#settings.ai.config as { l1?: unknown }).l1 === false;
    const pending = this.#settings.ai.lookupPrepared(entry).then(
      (hit) =>
        hit && isEntry(hit.response)
          ? {
              kind: 'entry' as const,
              entry: hit.response as StoredEntry<A, C>,
              meta: hit.meta,
              origin,
              // An L2 value promoted to L1 is shared with later hits (frozen in place): copied.
              fresh: hit.tier === 'l2' && noL1,
            }
          : undefined,
      (error: unknown) => {
        this.#report(error);
        return undefined;
      },
    );
    const found = await budget.bound(pending);
    return found === OVER_BUDGET ? undefined : found;
  }
  /** Stores an entry within the budget (past it the store finishes in the background); never throws. */
  async store(
    entry: PreparedRequest,
    perCall: PerCallCacheOptions,
    value: StoredEntry<A, C>,
    meta: ResponseMeta | undefined,
    budget: Budget,
  ): Promise<boolean> {
    const ttl = perCall.ttl ?? this.#settings.ttl;
    const storing = this.#settings.ai.storePrepared(entry, value, { meta, ttl }).then(
      () => true,
      (error: unknown) => {
        this.#report(error);
        return false;
      },
    );
    const stored = await budget.bound(storing);
    return stored === OVER_BUDGET ? false : stored;
  }
  /** Removes the entry of a request; never throws. */
  async invalidate(entry: PreparedRequest): Promise<void> {
    try {
      await this.#settings.ai.invalidatePrepared(entry);
    } catch (error) {
      this.#report(error);
    }
  }
  /**
   * An entry's answer for a JSON caller (its own copy when `copy`), or {@link NO_ANSWER} when
   * the codec cannot assemble a stream entry.
   */
  answerOf(entry: StoredEntry<A, C>, request: Req, copy: boolean): A | typeof NO_ANSWER {
    if (entry.f === 'json') return copy ? copyJson(entry.v) : entry.v;
    const answer = this.#codec.assemble?.(entry.v, request);
    return answer === undefined ? NO_ANSWER : copyJson(answer);
  }
  /** An entry served in the caller's mode, or `undefined` when the codec cannot convert it. */
  serve(
    entry: StoredEntry<A, C>,
    request: Req,
    stream: boolean,
    copy: boolean,
  ): Pick<CallResult<A, C>, 'answer' | 'stream' | 'fork'> | undefined {
    if (!stream) {
      const answer = this.answerOf(entry, request, copy);
      return answer === NO_ANSWER ? undefined : { answer };
    }
    if (entry.f === 'stream') {
      const chunks = this.#codec.restream ? this.#codec.restream(entry.v, request) : entry.v;
      return replayOf(chunks);
    }
    const chunks = this.#codec.replay?.(entry.v, request);
    return chunks ? replayOf(chunks) : undefined;
  }

  /**
   * How a stream recording of `call` assembles, checks, describes and (when `store`) stores what
   * it received; the caller adds `onEnd`.
   */
  recordingHooks(call: Call<Req, A, C>, store: boolean, budget: Budget): Omit<RecordingHooks<A, C>, 'onEnd'> {
    const request = call.prepared.request;
    const codec = this.#codec;
    return {
      assemble: (chunks) => codec.assemble?.(chunks, request),
      complete: (chunks) => {
        try {
          return codec.complete?.(chunks, request) === true;
        } catch {
          return false;
        }
      },
      meta: (answer, latencyMs) => this.meta(answer, request, latencyMs),
      drain: this.#settings.drain,
      ...(store
        ? {
            store: (chunks: C[], answer: A | undefined, meta: ResponseMeta) => {
              if (codec.assemble && answer === undefined) return Promise.resolve(false);
              if (answer !== undefined && !this.storable(answer, request)) return Promise.resolve(false);
              const entry: StoredEntry<A, C> = { f: 'stream', v: chunks };
              return this.store(call.entry, call.prepared.perCall, entry, meta, budget);
            },
          }
        : {}),
    };
  }
}
