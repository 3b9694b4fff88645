/**
 * `cacheStatus(result)`: how a result of a cached call was obtained, kept beside the result so
 * that its shape is untouched. Shared by every integration.
 *
 * The status is a private class field stamped on the result (the constructor of a base class
 * returning the result makes `#status` a field of it): invisible to `Object.keys`,
 * `Reflect.ownKeys`, `JSON.stringify`, `structuredClone` and equality checks, and much cheaper
 * than a `WeakMap` entry per result (one is made for every hit). Should a runtime refuse the
 * field (an object that cannot take it), a `WeakMap` holds the status instead.
 *
 * @module
 */
import type { CacheStatus } from './types.js';

/** Statuses of results that could not take the field. */
const statuses = new WeakMap<object, CacheStatus>();

/** A base whose constructor returns the object it is given: subclass fields are stamped on it. */
class Returning {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: how a private field is stamped on `target`.
    return target;
  }
}

/** The status stamp: `#status` as a private field of a result. */
class Stamp extends Returning {
  #status: CacheStatus;

  private constructor(target: object, status: CacheStatus) {
    super(target);
    this.#status = status;
  }

  static get(target: object): CacheStatus | undefined {
    return #status in target ? (target as Stamp).#status : statuses.get(target);
  }

  static set(target: object, status: CacheStatus): void {
    if (#status in target) {
      (target as Stamp).#status = status;
      return;
    }
    try {
      new Stamp(target, status);
    } catch {
      statuses.set(target, status);
    }
  }
}

/**
 * How `result` (a value returned by a cached client call, a stream included) was obtained, or
 * `undefined` for values that did not come from one.
 *
 * @example
 * const completion = await openai.chat.completions.create(params);
 * cacheStatus(completion); // 'hit' | 'miss' | 'coalesced' | 'stale' | 'bypass'
 */
export function cacheStatus(result: unknown): CacheStatus | undefined {
  return typeof result === 'object' && result !== null ? Stamp.get(result) : undefined;
}

/** Records the status of `result` (objects only) and returns it. */
export function markStatus<T>(result: T, status: CacheStatus): T {
  if (typeof result === 'object' && result !== null) Stamp.set(result, status);
  return result;
}
