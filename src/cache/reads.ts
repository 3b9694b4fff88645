/**
 * The read path: L1 then L2 (or the fallback), tag checks, and the `hit` / `miss` events and
 * `onGet` / `onMiss` callbacks; the backend side of a read (fetch, decode, promote into L1,
 * reject corrupt entries) is in `l2-reads.ts`. Nothing here throws because of the backend: a
 * failed read is a miss and an `error` event.
 *
 * @module
 */
import type { CacheKey } from '../keys/key-builder.js';
import { type Budget, OVER_BUDGET } from './budget.js';
import { now } from './core.js';
import { isDisabled } from './disabling.js';
import { io } from './failover.js';
import { acceptL2, readL2, rejectEntry } from './l2-reads.js';
import { emitFor, invoke, reportFor, type Scope, shown } from './scope.js';
import { tagInvalidated, tagsInvalidatedRemote } from './tags.js';
import type { LookupResult } from './types.js';

/** What {@link fastGet} answers when the fast path does not apply (then use {@link lookupFull}). */
export const NOT_FAST: unique symbol = Symbol('not fast');

/**
 * The common L1 hit of `get`, synchronously and with no result object: the value when L1 holds
 * `full` fresh and untagged and nobody listens to hits, else {@link NOT_FAST}.
 */
export function fastGet(s: Scope, full: string): unknown {
  const core = s.core;
  const l1 = core.l1;
  if (l1 === undefined || core.callbacks.length > 0 || core.emitter.listening('hit')) return NOT_FAST;
  const entry = l1.peek(full);
  if (entry === undefined || entry.tags !== undefined || core.now() >= entry.freshUntil || isDisabled('get'))
    return NOT_FAST;
  core.counters.l1Hits++;
  core.counters.hits++;
  return l1.valueOf(entry);
}

/**
 * The fresh L1 entry under `key`, synchronously, or `undefined` (also when the key builder is
 * not loaded yet, callbacks are registered, or reads are disabled). Never reads the backend.
 */
export function peekL1(s: Scope, key: CacheKey): LookupResult<unknown> | undefined {
  const { keys, core } = s;
  if (!keys || !core.l1 || core.callbacks.length > 0 || isDisabled('get')) return undefined;
  return fromL1(s, keys.key(key), now());
}

/** Values of several full keys at once: L1 first, then one batched backend read for the rest. */
export async function getMany<T>(s: Scope, fulls: readonly string[]): Promise<(T | undefined)[]> {
  const core = s.core;
  const results: (T | undefined)[] = new Array(fulls.length).fill(undefined);
  const pending: number[] = [];
  for (let i = 0; i < fulls.length; i++) {
    const hit = fromL1(s, fulls[i] as string, now());
    if (hit) results[i] = hit.value as T;
    else pending.push(i);
  }
  if (pending.length === 0) return results;
  const backend = core.backend;
  if (!backend?.getMany) {
    await Promise.all(
      pending.map(async (i) => (results[i] = (await lookupFull<T>(s, fulls[i] as string))?.value)),
    );
    return results;
  }
  const pendingKeys = pending.map((i) => fulls[i] as string);
  const values = await io(
    s,
    'get',
    pendingKeys[0] ?? '',
    (b) => (b.getMany ? b.getMany(pendingKeys) : Promise.all(pendingKeys.map((k) => b.get(k)))),
    () => pendingKeys.map(() => undefined),
  );
  for (let j = 0; j < pending.length; j++) {
    const i = pending[j] as number;
    const full = fulls[i] as string;
    let hit = acceptL2(s, full, values[j], now());
    if (hit?.tags && (await tagsInvalidatedRemote(s, hit.tags, hit.createdAt))) {
      core.l1?.delete(full);
      hit = undefined;
    }
    if (hit) results[i] = (await afterHit(s, full, hit, 0)).value as T;
    else miss(s, full, 0);
  }
  return results;
}

/** Whether a fresh entry exists for `full` (L1, else the entry's header in L2; no value decoded). */
export async function has(s: Scope, full: string): Promise<boolean> {
  const core = s.core;
  const t = core.now();
  const entry = core.l1?.peek(full);
  if (entry && t < entry.freshUntil) return true;
  if (!core.backend) return false;
  const bytes = await io(
    s,
    'has',
    full,
    (b) => b.get(full),
    () => undefined,
  );
  if (bytes === undefined) return false;
  const meta = core.codec.readMeta(bytes, full);
  if (meta === undefined) {
    // Not a sound entry of this key: decode once more (rare) to report why, and delete it.
    try {
      core.codec.decode(bytes, full);
    } catch (error) {
      rejectEntry(s, full, error);
    }
    return false;
  }
  return core.now() < meta.freshUntil;
}

/**
 * A fresh L1 entry, or undefined (expired entries are dropped). With `allowStale`, an entry
 * past its TTL but inside its grace window is returned too, marked `stale`.
 */
export function fromL1(
  s: Scope,
  full: string,
  startedAt: number,
  allowStale = false,
): LookupResult<unknown> | undefined {
  const l1 = s.core.l1;
  if (!l1) return undefined;
  let entry = l1.peek(full);
  if (entry?.tags && tagInvalidated(s, entry.tags, entry.createdAt)) {
    l1.delete(full);
    entry = undefined;
  }
  if (entry !== undefined) {
    const t = s.core.now();
    if (t < entry.freshUntil) {
      s.core.counters.l1Hits++;
      s.core.counters.hits++;
      if (s.core.emitter.listening('hit')) {
        emitFor(s, 'hit', 'get', full, 'l1', { bytes: entry.size, durationMs: now() - startedAt });
      }
      return {
        value: l1.valueOf(entry),
        tier: 'l1',
        bytes: entry.size,
        createdAt: entry.createdAt,
        freshUntil: entry.freshUntil,
        staleUntil: entry.staleUntil,
        stale: false,
      };
    }
    if (t >= entry.staleUntil) {
      l1.delete(full);
    } else if (allowStale) {
      return {
        value: l1.valueOf(entry),
        tier: 'l1',
        bytes: entry.size,
        createdAt: entry.createdAt,
        freshUntil: entry.freshUntil,
        staleUntil: entry.staleUntil,
        stale: true,
      };
    }
  }
  s.core.counters.l1Misses++;
  return undefined;
}

export async function lookupFull<T>(
  s: Scope,
  full: string,
  promote = true,
  allowStale = false,
  budget?: Budget,
): Promise<LookupResult<T> | undefined> {
  const core = s.core;
  if (isDisabled('get')) return undefined;
  const startedAt =
    core.callbacks.length > 0 || core.emitter.listening('hit') || core.emitter.listening('miss') ? now() : 0;
  const l1Hit = fromL1(s, full, startedAt, allowStale);
  if (l1Hit?.stale === false)
    return (core.callbacks.length ? await afterHit(s, full, l1Hit, startedAt) : l1Hit) as LookupResult<T>;
  if (!core.backend) {
    miss(s, full, startedAt);
    return undefined;
  }
  const invalidationsBefore = core.invalidations;
  let bytes: Uint8Array | undefined;
  if (budget) {
    // Past the budget the read goes on in the background (it reports its own failure): a miss.
    const read = await budget.bound(readL2(s, full));
    bytes = read === OVER_BUDGET ? undefined : read;
  } else {
    bytes = await readL2(s, full);
  }
  // An invalidation that arrived while the read was in flight may concern what it returned.
  const mayPromote = promote && core.invalidations === invalidationsBefore;
  let hit = acceptL2(s, full, bytes, core.now(), mayPromote, allowStale);
  if (hit?.tags && (await tagsInvalidatedRemote(s, hit.tags, hit.createdAt, budget))) {
    core.l1?.delete(full);
    hit = undefined;
  }
  if (!hit || hit.stale) {
    miss(s, full, startedAt);
    // A stale copy (grace) is only a fallback for the producer: prefer L1's if L2 had none.
    return (hit ?? l1Hit) as LookupResult<T> | undefined;
  }
  return (await afterHit(s, full, hit, startedAt)) as LookupResult<T>;
}

export async function afterHit(
  s: Scope,
  full: string,
  hit: LookupResult<unknown>,
  startedAt: number,
): Promise<LookupResult<unknown>> {
  const core = s.core;
  if (hit.tier === 'l2' && core.emitter.listening('hit')) {
    emitFor(s, 'hit', 'get', full, 'l2', { bytes: hit.bytes, durationMs: now() - startedAt });
  }
  if (core.callbacks.length === 0) return hit;
  let value = hit.value;
  const durationMs = now() - startedAt;
  for (const callbacks of [...core.callbacks]) {
    if (!callbacks.onGet) continue;
    try {
      const replaced = await callbacks.onGet({ key: shown(s, full), tier: hit.tier, value, durationMs });
      if (replaced !== undefined) value = replaced;
    } catch (error) {
      reportFor(s, 'callback', full, error, { callback: 'onGet' });
    }
  }
  return { ...hit, value };
}

export function miss(s: Scope, full: string, startedAt: number): void {
  const core = s.core;
  core.counters.misses++;
  if (core.emitter.listening('miss'))
    emitFor(s, 'miss', 'get', full, 'none', { durationMs: now() - startedAt });
  if (core.callbacks.length)
    invoke(s, 'onMiss', full, { key: shown(s, full), durationMs: now() - startedAt });
}
