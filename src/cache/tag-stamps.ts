/**
 * The in-process memory of tag invalidations: for each tag stamp id, the latest time it was
 * invalidated. Bounded, so that a stream of distinct tags cannot grow it without limit.
 *
 * @module
 */

/** How many tag stamps a cache keeps in process before it forgets the least recently raised. */
export const TAG_STAMPS_MAX = 10_000;

/**
 * Latest invalidation time (cache clock) of each tag stamp id, at most `max` of them.
 *
 * When a new stamp would exceed the cap, the least recently raised one is forgotten and its time
 * becomes the **floor**: from then on every tagged entry created at or before the floor counts as
 * invalidated (whatever its tags), because this process can no longer tell whether a forgotten
 * stamp applies to it. Forgetting therefore costs extra misses (those entries are produced again),
 * never a stale value. Entries without tags are never affected. Stamps stored in the backend are
 * not affected either: a cache with a backend re-reads them for entries it reads from L2.
 */
export class TagStamps {
  readonly #max: number;
  /** Insertion order = order of the last raise: the first entry is the next to be forgotten. */
  readonly #stamps = new Map<string, number>();
  #floor = Number.NEGATIVE_INFINITY;

  constructor(max: number = TAG_STAMPS_MAX) {
    if (!Number.isInteger(max) || max <= 0)
      throw new RangeError(`max must be a positive integer (got ${max})`);
    this.#max = max;
  }

  /** How many stamps are held (at most `max`). */
  get size(): number {
    return this.#stamps.size;
  }

  /** Tagged entries created at or before this time count as invalidated (`-Infinity` until a stamp is forgotten). */
  get floor(): number {
    return this.#floor;
  }

  /** The latest known invalidation time of `id`, if it is held. */
  get(id: string): number | undefined {
    return this.#stamps.get(id);
  }

  /** Records that `id` was invalidated at `at`; an earlier time than the known one changes nothing. */
  raise(id: string, at: number): void {
    const known = this.#stamps.get(id);
    if (known !== undefined && known >= at) return;
    // The floor already invalidates every tagged entry this stamp could.
    if (at <= this.#floor) return;
    this.#stamps.delete(id);
    this.#stamps.set(id, at);
    if (this.#stamps.size <= this.#max) return;
    const [oldest, oldestAt] = this.#stamps.entries().next().value as [string, number];
    this.#stamps.delete(oldest);
    if (oldestAt > this.#floor) this.#floor = oldestAt;
  }

  /**
   * Whether an entry created at `createdAt` whose stamp ids are `ids` was invalidated since
   * (a held stamp at or after `createdAt`, or, for an entry with at least one id, the floor).
   */
  invalidated(ids: readonly string[], createdAt: number): boolean {
    if (ids.length === 0) return false;
    if (createdAt <= this.#floor) return true;
    if (this.#stamps.size === 0) return false;
    for (const id of ids) {
      const stamp = this.#stamps.get(id);
      if (stamp !== undefined && stamp >= createdAt) return true;
    }
    return false;
  }
}
