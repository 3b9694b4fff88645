/**
 * The wrapper's state and its cache-path primitives: lookups and writes that never throw, and
 * the two ways of calling upstream (a JSON answer, or a live stream fanned out to its readers
 * and stored once it ended cleanly).
 *
 * @module
 */
import type { AIResponseCache, ResponseMeta, ResponseRequest, TtlSetting } from '../../index.js';
import { type Budget, ChunkFanout, type ChunkSource, OVER_BUDGET, SingleFlight } from '../../index.js';
import { assembleChunks, type Entry, isCacheableAnswer, isEntry, metaOf } from './answers.js';
import type { Json } from './convert.js';
import { synthesizedResponse, tagged } from './promise.js';
import { classOf, type StreamClass } from './stream.js';
import type {
  CacheStatus,
  Endpoint,
  PerCallCacheOptions,
  RequestContext,
  WithCacheOptions,
} from './types.js';

/** What the client's `create` returns (an `APIPromise` for the openai client). */
export interface UpstreamPromise extends PromiseLike<unknown> {
  asResponse?(): Promise<Response>;
  withResponse?(): Promise<{ data: unknown; response: Response; request_id?: string | null }>;
  _thenUnwrap?(transform: (data: unknown) => unknown): UpstreamPromise;
}

/** Resolved `withCache` options. */
export interface Settings {
  ai: AIResponseCache;
  operation: WithCacheOptions['operation'];
  ttl: TtlSetting | undefined;
  lock: { ttlMs: number; waitMs: number; onTimeout: 'proceed' | 'throw' } | undefined;
  streams: boolean;
  shouldCache: ((context: RequestContext) => boolean) | undefined;
  isCacheable: ((result: unknown, context: RequestContext) => boolean) | undefined;
  finishReasons: ReadonlySet<string>;
  onError: ((error: Error) => void) | undefined;
}

/** One cached call, resolved. */
export interface Call {
  readonly endpoint: Endpoint;
  readonly params: Json;
  readonly context: RequestContext;
  readonly stream: boolean;
  readonly perCall: PerCallCacheOptions;
  /** May lead or join shared work (flights, the lock): no per-call cache option, no abort signal. */
  readonly shared: boolean;
  readonly request: ResponseRequest;
  /** The full cache key (flights are keyed by it). */
  readonly key: string;
  /** The distributed lock key (a hash of `key`). */
  readonly lockKey: string;
  /** Calls the client with `params` (default: the call's own) and the caller's request options. */
  upstream(params?: Json): UpstreamPromise;
}

/** An answer read from the cache. */
export interface EntrySource {
  kind: 'entry';
  entry: Entry;
  meta: ResponseMeta | undefined;
  origin: Extract<CacheStatus, 'hit' | 'coalesced' | 'stale'>;
}

/** A JSON answer this process fetched. */
export interface JsonSource {
  kind: 'json';
  data: unknown;
  meta: ResponseMeta;
  response: Response | undefined;
  requestId: string | null;
}

/** A stream this process is receiving. */
export interface LiveSource {
  kind: 'live';
  fanout: ChunkFanout;
  /** Resolves once the stream ended (`undefined` unless it ended cleanly). */
  meta: Promise<ResponseMeta | undefined>;
  /** Resolves once the stream ended: whether it was stored. */
  stored: Promise<boolean>;
  response: Response | undefined;
  requestId: string | null;
}

/** Where an answer comes from. */
export type Source = EntrySource | JsonSource | LiveSource;

/**
 * How long a stream whose consumer stopped after its answer was complete (the chunk with
 * `finish_reason`, or a responses `*.done` event) is still read in the background to be stored.
 * @default 10000
 */
export const DRAIN_TIMEOUT_MS = 10_000;

/**
 * The most chunks such a stream is read to in all before it is given up.
 * @default 10000
 */
export const DRAIN_MAX_CHUNKS = 10_000;

/** Whether the chunks so far hold a complete answer but for its tail (usage, terminal event). */
export function answerComplete(endpoint: Endpoint, chunks: readonly unknown[]): boolean {
  if (endpoint === 'responses') {
    let added = 0;
    let done = 0;
    for (const event of chunks) {
      const type = (event as { type?: unknown } | null)?.type;
      if (type === 'response.output_item.added') added++;
      if (type === 'response.output_item.done') done++;
    }
    return added > 0 && done === added;
  }
  const finished = new Set<unknown>();
  const seen = new Set<unknown>();
  for (const chunk of chunks) {
    const choices = (chunk as { choices?: unknown } | null)?.choices;
    if (!Array.isArray(choices)) continue;
    for (const choice of choices as { index?: unknown; finish_reason?: unknown }[]) {
      seen.add(choice?.index);
      if (choice?.finish_reason !== null && choice?.finish_reason !== undefined) finished.add(choice.index);
    }
  }
  return seen.size > 0 && finished.size === seen.size;
}

/** Whatever was thrown, as an `Error`. */
export const asError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));

/**
 * Awaits a JSON answer with its `Response`: an unread copy of the upstream one (the SDK consumes
 * the original) tagged with `x-cache`, or a synthesized one when the body was already read.
 */
export async function fetchJson(
  pending: UpstreamPromise,
  status: CacheStatus,
): Promise<{ data: unknown; response: Response | undefined }> {
  const raw = pending.asResponse ? await pending.asResponse() : undefined;
  const copy = raw && !raw.bodyUsed ? tagged(raw.clone(), status) : undefined;
  const data = await pending;
  return {
    data,
    response: copy ?? (raw && synthesizedResponse(JSON.stringify(data), status, 'application/json', raw)),
  };
}

/** The state shared by every call of one wrapped client. */
export class Engine {
  /** In-process single-flight of shared calls, keyed by cache key and delivery mode. */
  readonly flights = new SingleFlight<Source>();
  /** Streams being received, by flight key, joinable until they are stored. */
  readonly live = new Map<string, LiveSource>();
  /** Embedding inputs being fetched, by input key. */
  readonly embeddings = new Map<string, Promise<{ vector: unknown; meta: ResponseMeta } | undefined>>();
  /** The client's `Stream` class, learned from the first upstream stream. */
  streamClass: StreamClass | undefined;

  constructor(
    readonly client: object,
    readonly settings: Settings,
  ) {}

  /**
   * Reports an absorbed failure as an `error` event of the cache (like the cache's own
   * failures) and to `onError` (which may not throw into the call either).
   */
  report(error: unknown): void {
    const err = asError(error);
    this.settings.ai.cache.reportError(err, { op: 'getOrSet', detail: { integration: 'openai' } });
    try {
      this.settings.onError?.(err);
    } catch {
      // A throwing error handler is ignored.
    }
  }

  /**
   * The stored answer of `request`, or `undefined` (also when the cache fails, or when the
   * lookup outlasts the call's `budget`: it then finishes in the background).
   */
  async lookup(
    request: ResponseRequest,
    origin: EntrySource['origin'],
    budget?: Budget,
  ): Promise<EntrySource | undefined> {
    const pending = this.#lookup(request, origin);
    if (!budget) return pending;
    const found = await budget.bound(pending);
    return found === OVER_BUDGET ? undefined : found;
  }

  /** Stores an answer within the call's `budget` (past it the store finishes in the background). */
  async storeWithin(
    budget: Budget | undefined,
    call: Pick<Call, 'perCall'>,
    request: ResponseRequest,
    entry: Entry,
    meta: ResponseMeta,
  ): Promise<boolean> {
    const storing = this.store(call, request, entry, meta);
    if (!budget) return storing;
    const stored = await budget.bound(storing);
    return stored === OVER_BUDGET ? false : stored;
  }

  async #lookup(request: ResponseRequest, origin: EntrySource['origin']): Promise<EntrySource | undefined> {
    try {
      const hit = await this.settings.ai.lookupResponse(request);
      if (!hit || !isEntry(hit.response)) return undefined;
      const stale = (hit as { stale?: unknown }).stale === true;
      return { kind: 'entry', entry: hit.response, meta: hit.meta, origin: stale ? 'stale' : origin };
    } catch (error) {
      this.report(error);
      return undefined;
    }
  }

  /** Stores an answer; failures are reported, never thrown. */
  async store(
    call: Pick<Call, 'perCall'>,
    request: ResponseRequest,
    entry: Entry,
    meta: ResponseMeta,
  ): Promise<boolean> {
    const ttl = call.perCall.ttl ?? this.settings.ttl;
    try {
      await this.settings.ai.cacheResponse({
        ...request,
        response: entry,
        meta,
        ...(ttl === undefined ? {} : { ttl }),
      });
      return true;
    } catch (error) {
      this.report(error);
      return false;
    }
  }

  /** Removes the stored answer of a call (failures reported). */
  async invalidate(call: Call): Promise<void> {
    try {
      await this.settings.ai.invalidate(call.request);
    } catch (error) {
      this.report(error);
    }
  }

  /** Whether a complete answer is worth storing (`isCacheable` or the built-in check). */
  cacheable(context: RequestContext, result: unknown): boolean {
    try {
      const custom = this.settings.isCacheable;
      if (custom) return custom(result, context);
      return isCacheableAnswer(context.endpoint, result, this.settings.finishReasons);
    } catch (error) {
      this.report(error);
      return false;
    }
  }

  /** Calls upstream for a JSON answer and stores it (within `budget`) when cacheable and `store`. */
  async produceJson(call: Call, store: boolean, budget?: Budget): Promise<JsonSource> {
    const started = performance.now();
    const { data, response } = await fetchJson(call.upstream(), 'miss');
    const meta = metaOf(call.endpoint, call.params, data, performance.now() - started);
    if (store && this.cacheable(call.context, data)) {
      await this.storeWithin(budget, call, call.request, { f: 'json', v: data }, meta);
    }
    return { kind: 'json', data, meta, response, requestId: response?.headers.get('x-request-id') ?? null };
  }

  /**
   * Calls upstream for a stream and fans it out. Once it ended cleanly the chunks are stored
   * (when cacheable and `store`); with `liveKey` it is joinable until then.
   */
  async startLive(call: Call, store: boolean, liveKey?: string, budget?: Budget): Promise<LiveSource> {
    const started = performance.now();
    const pending = call.upstream();
    const upstream = pending.withResponse
      ? await pending.withResponse()
      : { data: await pending, response: undefined, request_id: null };
    this.streamClass ??= classOf(upstream.data);
    const fanout = new ChunkFanout(upstream.data as ChunkSource<unknown>);
    if (store) {
      fanout.drainWith({
        shouldDrain: (chunks) => answerComplete(call.endpoint, chunks),
        timeoutMs: DRAIN_TIMEOUT_MS,
        maxChunks: DRAIN_MAX_CHUNKS,
      });
    }
    let meta: ResponseMeta | undefined;
    const stored = fanout.settled
      .then(async (state) => {
        if (state !== 'done') return false;
        const answer = assembleChunks(call.endpoint, fanout.chunks);
        meta = metaOf(call.endpoint, call.params, answer, performance.now() - started);
        if (!store || answer === undefined || !this.cacheable(call.context, answer)) return false;
        return this.storeWithin(budget, call, call.request, { f: 'stream', v: fanout.chunks }, meta);
      })
      .catch((error: unknown) => {
        this.report(error);
        return false;
      })
      .finally(() => {
        if (liveKey !== undefined && this.live.get(liveKey)?.fanout === fanout) this.live.delete(liveKey);
      });
    fanout.holdEnd(stored);
    const source: LiveSource = {
      kind: 'live',
      fanout,
      meta: stored.then(() => meta),
      stored,
      response: upstream.response,
      requestId: upstream.request_id ?? null,
    };
    if (liveKey !== undefined) this.live.set(liveKey, source);
    return source;
  }
}
