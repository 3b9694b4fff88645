/**
 * `resolveEach`: many single-input requests answered at once (embeddings). Each input is its own
 * entry: cached ones come from the cache; inputs being fetched by a concurrent batch in this
 * process are awaited from that batch (registered before any lookup, so that overlapping batches
 * started in the same tick send a shared input once); the rest go upstream in one `produce`
 * call, in order, while the shared ones are awaited. Identical inputs within a batch are sent
 * once. With the cache's lock, identical batches in several processes make one upstream call
 * (the lock is taken on the set of missing inputs); batches that only overlap do not share
 * across processes.
 *
 * @module
 */
import { Budget, budgetedLock } from '../../cache/budget.js';
import { getHasher } from '../../keys/hash.js';
import { produceOnce } from '../../locks/stampede.js';
import type { PreparedRequest, ResponseMeta } from '../ai-response-cache.js';
import { copyJson } from './copy.js';
import type { Path } from './path.js';
import type { CacheStatus, EachResult, PreparedCall, ProducedEach } from './types.js';

type Found<A> = { answer: A; meta: ResponseMeta | undefined };

interface Input<Req> {
  key: string;
  indices: number[];
  call: PreparedCall<Req>;
  entry: PreparedRequest | undefined;
}

/** See the module documentation. */
export async function resolveEach<Req, A, C>(
  path: Path<Req, A, C>,
  prepared: readonly PreparedCall<Req>[],
  produce: (missing: readonly Req[]) => Promise<ProducedEach<A>>,
): Promise<EachResult<A>> {
  const started = performance.now();
  const { ai } = path.settings;
  const budget = new Budget(ai.cache.budgetMs);
  const answers: A[] = new Array(prepared.length);
  const statuses: CacheStatus[] = new Array(prepared.length).fill('miss');
  // One input per distinct key (bypassed calls each their own).
  const byKey = new Map<string, Input<Req>>();
  prepared.forEach((call, index) => {
    const key = call.key ?? `\u0000bypass\u0000${index}`;
    const input = byKey.get(key);
    if (input) input.indices.push(index);
    else byKey.set(key, { key, indices: [index], call, entry: path.entryOf(call) });
  });
  const inputs = [...byKey.values()];
  const found = new Map<string, Found<A>>();
  const setAll = (input: Input<Req>, value: Found<A>, status: CacheStatus) => {
    found.set(input.key, value);
    for (const index of input.indices) statuses[index] = status;
  };
  const flags = (u: Input<Req>) => u.call.perCall;
  const shared = (u: Input<Req>) =>
    u.entry !== undefined && !flags(u).noCache && !flags(u).noStore && !flags(u).forceRefresh;

  // Synchronously: join the inputs in flight elsewhere, register the others as ours.
  const settle = new Map<string, (value: Found<A> | undefined) => void>();
  const joined: { input: Input<Req>; running: Promise<Found<A> | undefined> }[] = [];
  const owned: Input<Req>[] = [];
  for (const u of inputs) {
    const running = shared(u) ? path.inputs.get(u.key) : undefined;
    if (running) {
      joined.push({ input: u, running });
      continue;
    }
    owned.push(u);
    if (shared(u)) path.inputs.set(u.key, new Promise((resolve) => settle.set(u.key, resolve)));
  }
  const release = (key: string, value: Found<A> | undefined) => {
    const resolve = settle.get(key);
    if (!resolve) return;
    settle.delete(key);
    path.inputs.delete(key);
    resolve(value && { answer: copyJson(value.answer), meta: value.meta });
  };
  let extra: unknown;
  try {
    const waits = Promise.all(
      joined.map(async ({ input, running }) => {
        const result = await running;
        if (!result) return input;
        setAll(input, result, 'coalesced');
        ai.recordSavings(result.meta, performance.now() - started);
        return undefined;
      }),
    );
    for (const u of owned) {
      if (u.entry && flags(u).forceRefresh) {
        await budget.bound(ai.invalidatePrepared(u.entry).catch((error: unknown) => path.report(error)));
      }
    }
    const readable = owned.filter((u) => u.entry && !flags(u).noCache && !flags(u).forceRefresh);
    const hits = await Promise.all(
      readable.map((u) => path.entries.lookup(u.entry as PreparedRequest, 'hit', budget)),
    );
    hits.forEach((hit, i) => {
      const u = readable[i] as Input<Req>;
      if (hit?.entry.f !== 'json') return;
      const value = { answer: hit.entry.v, meta: hit.meta };
      setAll(u, value, 'hit');
      release(u.key, value);
    });
    const missing = owned.filter((u) => !found.has(u.key));
    if (missing.length > 0) extra = await fetchLocked(path, missing, produce, budget, setAll, release);
    // Inputs whose other batch failed: fetched now, by this batch.
    const orphans = (await waits).filter((u): u is Input<Req> => u !== undefined);
    if (orphans.length > 0) {
      const more = await fetchMissing(path, orphans, produce, budget, setAll, release);
      extra ??= more;
    }
  } finally {
    for (const key of [...settle.keys()]) release(key, undefined);
  }
  for (const u of inputs) {
    const value = found.get(u.key);
    if (!value) continue;
    // Every caller gets its own copy (an L1 value is shared with later hits).
    for (const index of u.indices) answers[index] = copyJson(value.answer);
  }
  return extra === undefined ? { answers, statuses } : { answers, statuses, extra };
}

type SetAll<Req, A> = (input: Input<Req>, value: Found<A>, status: CacheStatus) => void;
type Release<A> = (key: string, value: Found<A> | undefined) => void;

/** `fetchMissing` under the cache's lock on this set of inputs (when the path locks). */
async function fetchLocked<Req, A, C>(
  path: Path<Req, A, C>,
  missing: Input<Req>[],
  produce: (missing: readonly Req[]) => Promise<ProducedEach<A>>,
  budget: Budget,
  setAll: SetAll<Req, A>,
  release: Release<A>,
): Promise<unknown> {
  const { ai, lock: settings } = path.settings;
  const lock = settings && !ai.cache.degraded ? ai.lock : undefined;
  const entries = missing.filter((u) => u.entry);
  if (!settings || !lock || entries.length !== missing.length) {
    return fetchMissing(path, missing, produce, budget, setAll, release);
  }
  const sha = await getHasher('sha256');
  const keys = missing.map((u) => u.key).sort();
  const scope = `${ai.config.prefix}\u0000${ai.namespacePath.join('\u0000')}\u0000${keys.join('\u0001')}`;
  const { value } = await produceOnce<{ extra: unknown }>({
    lock: budgetedLock(lock, budget, ai.cache.backend?.health),
    key: `${path.codec.name}:each:${sha.hash(scope)}`,
    ttlMs: settings.ttlMs,
    waitMs: settings.waitMs,
    onTimeout: settings.onTimeout,
    onLockError: (error: Error) => path.report(error),
    recheck: async () => {
      // Another process fetched this set: served when every input is stored now.
      const hits = await Promise.all(
        missing.map((u) => path.entries.lookup(u.entry as PreparedRequest, 'coalesced', budget)),
      );
      if (hits.some((hit) => hit?.entry.f !== 'json')) return undefined;
      hits.forEach((hit, i) => {
        const u = missing[i] as Input<Req>;
        const stored = { answer: hit?.entry.v as A, meta: hit?.meta };
        setAll(u, stored, 'coalesced');
        release(u.key, stored);
      });
      return { extra: undefined };
    },
    produce: async () => ({ extra: await fetchMissing(path, missing, produce, budget, setAll, release) }),
  });
  return value.extra;
}

/** Sends the missing inputs in one `produce` call, stores their answers, settles their flights. */
async function fetchMissing<Req, A, C>(
  path: Path<Req, A, C>,
  missing: Input<Req>[],
  produce: (missing: readonly Req[]) => Promise<ProducedEach<A>>,
  budget: Budget,
  setAll: SetAll<Req, A>,
  release: Release<A>,
): Promise<unknown> {
  const produced = await produce(missing.map((u) => u.call.request));
  const stores: Promise<boolean>[] = [];
  missing.forEach((u, i) => {
    if (i >= produced.value.length) return;
    const value = { answer: produced.value[i] as A, meta: produced.meta?.[i] };
    setAll(u, value, u.entry ? 'miss' : 'bypass');
    release(u.key, value);
    const store =
      u.entry &&
      !u.call.perCall.noStore &&
      produced.storable !== false &&
      path.entries.storable(value.answer, u.call.request);
    if (store) {
      stores.push(
        path.entries.store(
          u.entry as PreparedRequest,
          u.call.perCall,
          { f: 'json', v: value.answer },
          value.meta,
          budget,
        ),
      );
    }
  });
  await Promise.all(stores);
  return produced.extra;
}
