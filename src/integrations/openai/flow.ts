/**
 * The path of one cached call:
 *
 * 1. A call with a per-call cache option or an abort signal works alone: optional lookup, then
 *    its own upstream call (so that one caller's abort never fails another's request).
 * 2. Otherwise identical concurrent calls in this process share one flight (keyed by cache key
 *    and delivery mode). Its leader looks the answer up; on a miss it calls upstream — under the
 *    distributed lock when the cache has one, so that one process per cluster does, the others
 *    waiting and reading the stored answer. Streams being received stay joinable until stored.
 *
 * The cache work of one call (lookup, lock acquisition, store) shares one budget
 * (`ai.cache.budgetMs`); while the cache's backend is failing (breaker open) the lock is skipped.
 *
 * @module
 */
import { Budget, budgetedLock, ChunkFanout, produceOnce } from '../../index.js';
import { entryBody, entryChunks } from './answers.js';
import type { Call, Engine, EntrySource, LiveSource, Source } from './engine.js';
import type { Outcome } from './promise.js';
import { synthesizedResponse } from './promise.js';
import { loadStreamClass, sseBody, streamOf } from './stream.js';
import type { CacheStatus } from './types.js';

/** Runs a cached call to its outcome. */
export async function run(engine: Engine, call: Call): Promise<Outcome> {
  const started = performance.now();
  const budget = new Budget(engine.settings.ai.cache.budgetMs);
  if (!call.shared) return materialize(engine, call, await alone(engine, call, budget), true, started);
  const flightKey = `${call.key}\u0000${call.stream ? 'stream' : 'json'}`;
  const live = call.stream ? engine.live.get(flightKey) : undefined;
  if (live) return materialize(engine, call, live, false, started);
  const flight = engine.flights.run(flightKey, () => lead(engine, call, flightKey, budget));
  return materialize(engine, call, await flight.promise, flight.leader, started);
}

async function alone(engine: Engine, call: Call, budget: Budget): Promise<Source> {
  const { noCache, noStore, forceRefresh } = call.perCall;
  if (forceRefresh) await budget.bound(engine.invalidate(call));
  if (!noCache && !forceRefresh) {
    const hit = await engine.lookup(call.request, 'hit', budget);
    if (hit) return hit;
  }
  return call.stream
    ? engine.startLive(call, !noStore, undefined, budget)
    : engine.produceJson(call, !noStore, budget);
}

async function lead(engine: Engine, call: Call, flightKey: string, budget: Budget): Promise<Source> {
  const hit = await engine.lookup(call.request, 'hit', budget);
  if (hit) return hit;
  const settings = engine.settings.lock;
  const cache = engine.settings.ai.cache;
  // While the backend fails, a waiter could not read what the lock holder stores: no lock.
  const lock = settings && !cache.degraded ? engine.settings.ai.lock : undefined;
  if (!settings || !lock)
    return call.stream
      ? engine.startLive(call, true, flightKey, budget)
      : engine.produceJson(call, true, budget);
  const base = {
    lock: budgetedLock(lock, budget, cache.backend?.health),
    key: call.lockKey,
    ttlMs: settings.ttlMs,
    waitMs: settings.waitMs,
    onTimeout: settings.onTimeout,
    onLockError: (error: Error) => engine.report(error),
    recheck: () => engine.lookup(call.request, 'coalesced', budget),
  };
  if (!call.stream)
    return (await produceOnce<Source>({ ...base, produce: () => engine.produceJson(call, true, budget) }))
      .value;
  // A stream is handed to the caller at once, while the lock stays held until it is stored.
  let handOff: (source: LiveSource) => void = () => {};
  const handed = new Promise<LiveSource>((resolve) => (handOff = resolve));
  const locked = produceOnce<Source>({
    ...base,
    produce: async () => {
      const source = await engine.startLive(call, true, flightKey, budget);
      handOff(source);
      await source.stored;
      return source;
    },
  }).then((result) => result.value);
  locked.catch(() => {});
  return Promise.race([handed, locked]);
}

/** A private copy of a value that may be frozen (L1) or shared with other callers. */
function own<T>(value: T, force: boolean): T {
  return force || (typeof value === 'object' && value !== null && Object.isFrozen(value))
    ? structuredClone(value)
    : value;
}

async function replay(engine: Engine, fanout: ChunkFanout, copy: boolean): Promise<AsyncIterable<unknown>> {
  const Class = engine.streamClass ?? (await loadStreamClass());
  return streamOf(Class, fanout, engine.client, copy);
}

const json = (data: unknown, status: CacheStatus, base?: Response) => () =>
  Promise.resolve(synthesizedResponse(JSON.stringify(data), status, 'application/json', base));
const sse = (call: Call, fanout: ChunkFanout, status: CacheStatus, base?: Response) => () =>
  Promise.resolve(synthesizedResponse(sseBody(call.endpoint, fanout), status, 'text/event-stream', base));

/** Turns a source into this caller's result (`leader`: the caller that produced or read it). */
async function materialize(
  engine: Engine,
  call: Call,
  source: Source,
  leader: boolean,
  started: number,
): Promise<Outcome> {
  const ai = engine.settings.ai;
  if (source.kind === 'entry') return fromEntry(engine, call, source, leader, started);
  if (source.kind === 'json') {
    if (leader) {
      const response = source.response;
      return {
        data: source.data,
        status: 'miss',
        requestId: source.requestId,
        response: response ? () => Promise.resolve(response) : json(source.data, 'miss'),
      };
    }
    ai.recordSavings(source.meta, performance.now() - started);
    const data = own(source.data, true);
    return { data, status: 'coalesced', requestId: null, response: json(data, 'coalesced') };
  }
  const status: CacheStatus = leader ? 'miss' : 'coalesced';
  if (!leader) {
    void source.meta.then((meta) => meta && ai.recordSavings(meta, performance.now() - started));
  }
  return {
    data: await replay(engine, source.fanout, true),
    status,
    requestId: leader ? source.requestId : null,
    response: sse(call, source.fanout, status, leader ? source.response : undefined),
  };
}

async function fromEntry(
  engine: Engine,
  call: Call,
  source: EntrySource,
  leader: boolean,
  started: number,
): Promise<Outcome> {
  // The leader's lookup counted its savings; a follower avoided an upstream call too.
  if (!leader) engine.settings.ai.recordSavings(source.meta, performance.now() - started);
  const status: CacheStatus = leader || source.origin === 'hit' ? source.origin : 'coalesced';
  const entry = own(source.entry, !leader);
  if (!call.stream) {
    const data = entryBody(call.endpoint, entry);
    return { data, status, requestId: null, response: json(data, status) };
  }
  const fanout = new ChunkFanout(undefined, entryChunks(call.endpoint, entry, call.params));
  return {
    data: await replay(engine, fanout, false),
    status,
    requestId: null,
    response: sse(call, fanout, status),
  };
}
