/**
 * `resolveEach`: many single-input requests answered at once (embeddings). Each input is its own
 * entry: cached ones come from the cache, inputs being fetched by a concurrent batch in this
 * process are awaited from that batch (so overlapping batches send a shared input once), and the
 * rest go upstream in one `produce` call, in order. Identical inputs within a batch are sent once.
 *
 * @module
 */
import { Budget } from '../../cache/budget.js';
import type { PreparedRequest, ResponseMeta } from '../ai-response-cache.js';
import { copyJson } from './copy.js';
import type { Path } from './path.js';
import type { CacheStatus, EachResult, PreparedCall, ProducedEach } from './types.js';

type Found<A> = { answer: A; meta: ResponseMeta | undefined };

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
  // One slot per distinct key (bypassed calls each their own).
  const slots = new Map<string, number[]>();
  prepared.forEach((call, index) => {
    const key = call.key ?? `\u0000bypass\u0000${index}`;
    const list = slots.get(key);
    if (list) list.push(index);
    else slots.set(key, [index]);
  });
  const unique = [...slots.entries()].map(([key, indices]) => {
    const call = prepared[indices[0] as number] as PreparedCall<Req>;
    return { key, indices, call, entry: path.entryOf(call) };
  });
  const found = new Map<string, Found<A>>();
  const setAll = (key: string, value: Found<A>, status: CacheStatus) => {
    found.set(key, value);
    for (const index of slots.get(key) ?? []) statuses[index] = status;
  };

  const readable = unique.filter((u) => u.entry && !u.call.perCall.noCache && !u.call.perCall.forceRefresh);
  for (const u of unique) {
    if (u.entry && u.call.perCall.forceRefresh) {
      await budget.bound(ai.invalidatePrepared(u.entry).catch((error: unknown) => path.report(error)));
    }
  }
  const looked = await Promise.all(
    readable.map((u) => path.lookup(u.entry as PreparedRequest, 'hit', budget)),
  );
  looked.forEach((hit, i) => {
    const u = readable[i];
    if (u && hit?.entry.f === 'json') setAll(u.key, { answer: hit.entry.v, meta: hit.meta }, 'hit');
  });

  const shared = (u: (typeof unique)[number]) =>
    u.entry !== undefined &&
    !u.call.perCall.noCache &&
    !u.call.perCall.noStore &&
    !u.call.perCall.forceRefresh;
  const waits = unique.map(async (u) => {
    const running = !found.has(u.key) && shared(u) ? path.inputs.get(u.key) : undefined;
    const result = running ? await running : undefined;
    if (!result) return;
    setAll(u.key, result, 'coalesced');
    ai.recordSavings(result.meta, performance.now() - started);
  });
  await Promise.all(waits);

  const missing = unique.filter((u) => !found.has(u.key));
  let extra: unknown;
  if (missing.length > 0) {
    const settle = new Map<string, (value: Found<A> | undefined) => void>();
    for (const u of missing) {
      if (shared(u) && !path.inputs.has(u.key)) {
        path.inputs.set(u.key, new Promise((resolve) => settle.set(u.key, resolve)));
      }
    }
    try {
      const produced = await produce(missing.map((u) => u.call.request));
      extra = produced.extra;
      const stores: Promise<boolean>[] = [];
      missing.forEach((u, i) => {
        if (i >= produced.value.length) return;
        const answer = produced.value[i] as A;
        const meta = produced.meta?.[i];
        const value = { answer, meta };
        found.set(u.key, value);
        settle.get(u.key)?.({ answer: copyJson(answer), meta });
        const store =
          u.entry &&
          !u.call.perCall.noStore &&
          produced.storable !== false &&
          path.storable(answer, u.call.request);
        if (store)
          stores.push(
            path.store(u.entry as PreparedRequest, u.call.perCall, { f: 'json', v: answer }, meta, budget),
          );
        for (const index of u.indices) statuses[index] = u.entry ? 'miss' : 'bypass';
      });
      await Promise.all(stores);
    } finally {
      for (const [key, resolve] of settle) {
        resolve(undefined);
        path.inputs.delete(key);
      }
    }
  }
  for (const u of unique) {
    const value = found.get(u.key);
    if (!value) continue;
    // Every caller gets its own copy (an L1 value is shared with later hits).
    for (const index of u.indices) answers[index] = copyJson(value.answer);
  }
  return extra === undefined ? { answers, statuses } : { answers, statuses, extra };
}
