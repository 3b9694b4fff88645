/**
 * A bounded memory of the keys a `keys()` iteration yielded last, to skip a key that the
 * server reports twice (Redis `SCAN` may; so may a paged HTTP listing) without a set that grows
 * with the keyspace.
 *
 * @module
 */
import { ValidationError, type ValidationIssue } from '../errors.js';

/** Default number of keys `keys()` remembers (`keysDedupWindow` of the Redis and HTTP backends). */
export const DEFAULT_KEYS_DEDUP_WINDOW = 100_000;

/**
 * The last `window` distinct keys seen, in a ring: memory stays within `window` keys however
 * many are seen, and each key costs O(1). A key seen again within the window is reported as a
 * duplicate; one seen again after `window` other keys is new again.
 *
 * @example
 * const recent = new RecentKeys(2);
 * recent.add('a'); // true
 * recent.add('a'); // false: within the window
 * recent.add('b'); recent.add('c'); // 'a' is forgotten
 * recent.add('a'); // true
 */
export class RecentKeys {
  /** Most keys remembered. */
  readonly window: number;
  readonly #keys = new Set<string>();
  readonly #ring: string[] = [];
  #next = 0;

  /**
   * @param window most keys remembered, a positive integer. @default {@link DEFAULT_KEYS_DEDUP_WINDOW}
   * @throws {ValidationError} when `window` is not a positive integer.
   */
  constructor(window = DEFAULT_KEYS_DEDUP_WINDOW) {
    const issues: ValidationIssue[] = [];
    checkDedupWindow(issues, 'window', window);
    if (issues.length > 0) throw new ValidationError('Invalid RecentKeys window', issues);
    this.window = window;
  }

  /** Number of keys remembered now (never more than {@link RecentKeys.window}). */
  get size(): number {
    return this.#keys.size;
  }

  /**
   * Remembers `key` (forgetting the oldest key once the window is full) and returns `true`, or
   * returns `false` when `key` is among the keys remembered.
   */
  add(key: string): boolean {
    if (this.#keys.has(key)) return false;
    if (this.#ring.length < this.window) {
      this.#ring.push(key);
    } else {
      this.#keys.delete(this.#ring[this.#next] as string);
      this.#ring[this.#next] = key;
      this.#next = (this.#next + 1) % this.window;
    }
    this.#keys.add(key);
    return true;
  }
}

/** Records a problem in `issues` unless `value` is absent or a positive integer (a `keysDedupWindow`). */
export function checkDedupWindow(issues: ValidationIssue[], path: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    issues.push({ path, message: `expected a positive integer (got ${String(value)})` });
  }
}
