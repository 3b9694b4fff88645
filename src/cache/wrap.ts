/**
 * Wrapping functions: `wrap` (each call a get-or-set keyed by its arguments) and
 * `wrapIterator` (async iterables recorded while they stream and replayed on a hit), and the
 * key functions both derive from `key` / `name`.
 *
 * @module
 */
import { ValidationError } from '../errors.js';
import type { Hasher } from '../keys/hash.js';
import type { CacheKey } from '../keys/key-builder.js';
import { stableStringify } from '../keys/stable-stringify.js';
import { compileKeyTemplate } from '../keys/template.js';
import { ChunkFanout } from './fanout.js';
import { checkTtls, resolve } from './policies.js';
import { lookupFull } from './reads.js';
import { keyBuilder, reportFor, type Scope } from './scope.js';
import type { SetOptions, WrapOptions } from './types.js';
import { deleteFull, setFull } from './writes.js';

/**
 * The function behind `Cache.wrap` (options already checked for unknown keys): each call goes
 * through get-or-set with the key derived from its arguments and the remaining policies.
 */
export function wrapFunction<A extends unknown[], R>(
  s: Scope,
  fn: (...args: A) => R | Promise<R>,
  options: WrapOptions<A, Awaited<R>>,
): (...args: A) => Promise<Awaited<R>> {
  const { key, name, ...policies } = options;
  checkTtls(policies);
  const keyOf = wrapKey(s, fn, key, name);
  return async (...args: A): Promise<Awaited<R>> => {
    const userKey = await keyOf(args);
    const full = (s.keys ?? (await keyBuilder(s))).key(userKey);
    const produce = async (): Promise<Awaited<R>> => await fn(...args);
    return (await resolve<Awaited<R>>(s, full, produce, policies)).value;
  };
}

/**
 * The generator behind `Cache.wrapIterator` (options already checked for unknown keys): a miss
 * records the items as they are produced and stores them once the iteration finished cleanly;
 * concurrent calls with the same key attach to the running recording.
 */
export function wrapIterator<A extends unknown[], C>(
  s: Scope,
  fn: (...args: A) => AsyncIterable<C>,
  options: WrapOptions<A, C[]>,
): (...args: A) => AsyncGenerator<C, void, undefined> {
  const { key, name, condition, strategy, promote, ...setPolicies } = options;
  checkTtls(setPolicies);
  const keyOf = wrapKey(s, fn, key, name);
  const running = new Map<string, ChunkFanout<C>>();
  return async function* cachedIterator(...args: A): AsyncGenerator<C, void, undefined> {
    if (strategy === 'bypass') {
      yield* fn(...args);
      return;
    }
    const full = (s.keys ?? (await keyBuilder(s))).key(await keyOf(args));
    if (strategy === 'invalidate') await deleteFull(s, full);
    else {
      const hit = await lookupFull<C[]>(s, full, promote !== false);
      if (hit) {
        yield* hit.value;
        return;
      }
      if (strategy === 'fresh') return;
    }
    let fanout = running.get(full);
    if (!fanout) {
      const recording = new ChunkFanout<C>(fn(...args));
      fanout = recording;
      running.set(full, recording);
      const stored = recording.settled.then(async (state) => {
        running.delete(full);
        if (state !== 'done' || (condition && !condition(recording.chunks))) return;
        const setOptions: SetOptions = {};
        const ttl =
          typeof setPolicies.ttl === 'function' ? setPolicies.ttl(recording.chunks) : setPolicies.ttl;
        if (ttl !== undefined) setOptions.ttl = ttl;
        if (setPolicies.tags !== undefined) setOptions.tags = setPolicies.tags;
        if (setPolicies.grace !== undefined) setOptions.grace = setPolicies.grace;
        if (setPolicies.l1 !== undefined) setOptions.l1 = setPolicies.l1;
        await setFull(s, full, recording.chunks, setOptions, 'getOrSet');
      });
      stored.catch((error: unknown) => reportFor(s, 'getOrSet', full, error, { reason: 'store-iterator' }));
      // Readers see the end only once the recording is stored, so the next call is a hit.
      recording.holdEnd(stored);
    }
    const iterator = fanout.attach().iterator();
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  };
}

/**
 * The key function of a wrapped `fn`: `key(...args)` when `key` is a function, the rendered
 * template when it is a string (a string key used verbatim), else `['fn', name, hash(args)]`.
 *
 * @throws {ValidationError} when `fn` is anonymous and neither `key` nor `name` is given.
 */
export function wrapKey<A extends unknown[]>(
  s: Scope,
  fn: (...args: never[]) => unknown,
  key: string | ((...args: A) => CacheKey) | undefined,
  name: string | undefined,
): (args: A) => Promise<CacheKey> {
  if (typeof key === 'function') return async (args) => key(...args);
  if (typeof key === 'string') {
    const render = compileKeyTemplate(key);
    return async (args) => {
      const params: Record<string, unknown> = {};
      const first = args[0];
      if (args.length === 1 && first !== null && typeof first === 'object' && !Array.isArray(first)) {
        Object.assign(params, first);
      }
      args.forEach((arg, i) => {
        params[`arg${i}`] = arg;
      });
      // A rendered template is a string key, used verbatim: `cache.get('items:books:2')`
      // reads what `key: 'items:{category}:{page}'` stored (values are escaped like array parts).
      return render(params);
    };
  }
  const label = name ?? fn.name;
  if (!label) {
    throw new ValidationError('Cannot derive a key for an anonymous function', [
      { path: 'name', message: 'give `name` or `key` when wrapping an anonymous function' },
    ]);
  }
  return async (args) => {
    if (!s.core.hasher) await keyBuilder(s);
    return ['fn', label, (s.core.hasher as Hasher).hash(stableStringify(args))];
  };
}
