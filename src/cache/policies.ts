/**
 * The get-or-set policies: strategies (`refresh`, `fresh`, `invalidate`, `bypass`), grace and
 * the backoff after a failed producer, soft TTL and early refresh in the background, soft and
 * hard timeouts, single-flight and the distributed lock, conditions and TTL functions.
 *
 * @module
 */
import { TimeoutError, ValidationError } from '../errors.js';
import { produceOnce } from '../locks/stampede.js';
import { Budget, budgetedLock, lockUnusable } from './budget.js';
import { lookupFull } from './reads.js';
import { reportFor, type Scope, shown } from './scope.js';
import { parseTtl, type Ttl } from './ttl.js';
import type { GetOrSetOptions, LookupResult, Resolved, SetOptions } from './types.js';
import { deleteFull, setFull } from './writes.js';

/** Producer failures remembered (with their backoff) at most, oldest forgotten first. */
export const BACKOFF_MAX = 10_000;

/**
 * Checks the TTL-like policies given as values (`ttl`, `grace`) up front, so that a bad one is a
 * ValidationError at the call, before a producer runs; a `ttl` function's result is checked when
 * its value is stored.
 */
export function checkTtls(policies: { ttl?: unknown; grace?: unknown }): void {
  if (policies.ttl !== undefined && typeof policies.ttl !== 'function') parseTtl(policies.ttl as Ttl);
  if (policies.grace !== undefined && policies.grace !== false) parseTtl(policies.grace as Ttl, 'grace');
}

/** The value of `full` under the policies `o` (options already checked), and how it was obtained. */
export async function resolve<T>(
  s: Scope,
  full: string,
  producer: () => T | Promise<T>,
  o: GetOrSetOptions<T>,
): Promise<Resolved<T>> {
  const core = s.core;
  const strategy = o.strategy ?? 'refresh';
  if (strategy === 'bypass') return { value: await producer(), status: 'bypass' };
  const budgetMs = o.budget === undefined ? core.budgetMs : parseTtl(o.budget, 'budget');
  const budget = core.backend || core.lock ? new Budget(budgetMs) : undefined;
  if (strategy === 'invalidate') {
    const deleting = deleteFull(s, full);
    await (budget ? budget.bound(deleting) : deleting);
    return produce(s, full, producer, o, undefined, budget);
  }
  const entry = await lookupFull<T>(s, full, o.promote !== false, true, budget);
  const t = core.now();
  if (entry && !entry.stale) {
    if (strategy === 'refresh' && wantsRefresh(entry, t, o)) refreshInBackground(s, full, producer, o);
    return { value: entry.value, status: 'hit' };
  }
  if (strategy === 'fresh') return { value: undefined as T, status: 'miss' };
  const stale = entry?.stale ? entry : undefined;
  if (stale && (core.backoff.get(full) ?? 0) > t) return { value: stale.value, status: 'stale' };
  return produce(s, full, producer, o, stale, budget);
}

/** Whether a fresh hit should trigger a background refresh (soft TTL or early refresh). */
export function wantsRefresh(entry: LookupResult<unknown>, t: number, o: GetOrSetOptions<never>): boolean {
  if (o.softTtl !== undefined && t - entry.createdAt >= parseTtl(o.softTtl, 'softTtl')) return true;
  if (o.earlyRefresh !== undefined) {
    if (!(o.earlyRefresh > 0 && o.earlyRefresh < 1)) {
      throw new ValidationError('Invalid earlyRefresh', [
        {
          path: 'earlyRefresh',
          message: `must be a fraction between 0 and 1 (got ${String(o.earlyRefresh)})`,
        },
      ]);
    }
    return t >= entry.freshUntil - o.earlyRefresh * (entry.freshUntil - entry.createdAt);
  }
  return false;
}

/** Starts one background refresh for `full` unless one is running; its failure is an `error` event. */
export function refreshInBackground<T>(
  s: Scope,
  full: string,
  producer: () => T | Promise<T>,
  o: GetOrSetOptions<T>,
): void {
  if (s.core.flights.has(full)) return;
  produce(s, full, producer, o, undefined).catch((error: unknown) =>
    reportFor(s, 'getOrSet', full, error, { reason: 'background-refresh' }),
  );
}

/** Produces (single-flight, optionally under the distributed lock), applying timeouts and grace. */
export async function produce<T>(
  s: Scope,
  full: string,
  producer: () => T | Promise<T>,
  o: GetOrSetOptions<T>,
  stale: LookupResult<T> | undefined,
  budget?: Budget,
): Promise<Resolved<T>> {
  const core = s.core;
  const flight = core.flights.run(full, () => produceAndStore(s, full, producer, o, budget));
  let promise: Promise<{ value: unknown; coalesced: boolean }> = flight.promise as Promise<{
    value: unknown;
    coalesced: boolean;
  }>;
  if (o.timeout !== undefined && stale) {
    const raced = await raceTimeout(promise, parseTtl(o.timeout, 'timeout'));
    if (raced === TIMED_OUT) {
      promise.catch(() => {}); // finishes (and stores) in the background
      return { value: stale.value, status: 'stale' };
    }
    promise = Promise.resolve(raced);
  }
  if (o.hardTimeout !== undefined) {
    const ms = parseTtl(o.hardTimeout, 'hardTimeout');
    const raced = await raceTimeout(promise, ms);
    if (raced === TIMED_OUT) {
      promise.catch(() => {});
      if (stale) return { value: stale.value, status: 'stale' };
      throw new TimeoutError(`Producer for ${shown(s, full)} exceeded its hard timeout of ${ms} ms`, {
        context: { key: shown(s, full), timeoutMs: ms },
      });
    }
    promise = Promise.resolve(raced);
  }
  try {
    const { value, coalesced } = await promise;
    core.backoff.delete(full);
    const out = (core.l1 ? core.l1.read(value) : value) as T;
    return { value: out, status: !flight.leader || coalesced ? 'coalesced' : 'miss' };
  } catch (error) {
    if (stale && !(error instanceof ValidationError)) {
      const backoffMs = parseTtl(o.graceBackoff ?? '10s', 'graceBackoff');
      core.backoff.set(full, core.now() + backoffMs);
      if (core.backoff.size > BACKOFF_MAX) core.backoff.delete(core.backoff.keys().next().value as string);
      reportFor(s, 'getOrSet', full, error, { reason: 'producer-failed-served-stale' });
      return { value: stale.value, status: 'stale' };
    }
    throw error;
  }
}

/**
 * Runs the producer (under the distributed lock when asked, unless the backend is failing)
 * and stores its value; with a `budget`, the lookup, lock and store steps share it.
 */
export async function produceAndStore<T>(
  s: Scope,
  full: string,
  producer: () => T | Promise<T>,
  o: GetOrSetOptions<T>,
  budget?: Budget,
): Promise<{ value: unknown; coalesced: boolean }> {
  const core = s.core;
  const run = async (): Promise<unknown> => {
    const value = await producer();
    if (o.condition && !o.condition(value)) return value;
    const ttl = typeof o.ttl === 'function' ? o.ttl(value) : o.ttl;
    const setOptions: SetOptions = {};
    if (ttl !== undefined) setOptions.ttl = ttl;
    if (o.grace !== undefined) setOptions.grace = o.grace;
    if (o.l1 !== undefined) setOptions.l1 = o.l1;
    if (o.tags !== undefined) setOptions.tags = o.tags;
    return (await setFull(s, full, value, setOptions, 'getOrSet', budget, true)).stored;
  };
  // While the backend fails, a waiter could not read what the lock holder stores: skip the lock.
  if (!o.lock || !core.lock || lockUnusable(core.backend?.health, core.degraded))
    return { value: await run(), coalesced: false };
  const settings = o.lock === true ? {} : o.lock;
  const result = await produceOnce<unknown>({
    lock: budget ? budgetedLock(core.lock, budget, core.backend?.health) : core.lock,
    key: full,
    ...settings,
    recheck: async () => {
      const hit = await lookupFull<unknown>(s, full, o.promote !== false, false, budget);
      return hit?.value;
    },
    produce: run,
    onLockError: (error) => reportFor(s, 'getOrSet', full, error, { reason: 'lock' }),
  });
  return { value: result.value, coalesced: result.source === 'coalesced' };
}

export const TIMED_OUT: unique symbol = Symbol('timed out');

/** Resolves with the promise's value, or `TIMED_OUT` after `ms`; the timer never outlives the race. */
export async function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
