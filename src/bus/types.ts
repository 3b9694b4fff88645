/**
 * The contract of an invalidation bus: what one process tells the others ({@link
 * InvalidationMessage}) and the channel that carries it ({@link InvalidationBus}),
 * implemented over Redis pub/sub by `RedisInvalidationBus` and in process by
 * `LocalInvalidationBus`.
 *
 * @module
 */

/**
 * What one process tells the others. Every message only ever removes L1 entries, so messages
 * commute: a late, duplicated or reordered message costs an L1 miss, never a stale read.
 */
export type InvalidationMessage =
  /** Full keys whose L1 copies are stale (sent by `set` and `delete` alike). */
  | { type: 'delete'; keys: string[] }
  /** Every key starting with `prefix` (a namespace or the whole cache) was cleared. */
  | { type: 'clear'; prefix: string }
  /** `tags` were invalidated at `at` (epoch milliseconds): entries tagged so and older are stale. */
  | { type: 'tags'; tags: string[]; at: number };

/** Receives the messages of the other members of a bus. */
export type InvalidationHandler = (message: InvalidationMessage) => void;

/** Told `true` when the subscription is (again) live, `false` when it goes down. */
export type BusStatusListener = (connected: boolean) => void;

/**
 * A channel between the L1 tiers of several caches. Implementations never throw from
 * `publish` and never let a handler's error escape: failures go to their `onError` option.
 */
export interface InvalidationBus {
  /** Stable id of this bus instance (messages from it are ignored by itself). */
  readonly id: string;
  /** Whether the subscription is live (false while disconnected). */
  readonly connected: boolean;
  /**
   * Sends `message` to every other member. Never rejects: invalid messages and transport
   * failures go to `onError`.
   */
  publish(message: InvalidationMessage): Promise<void>;
  /**
   * Calls `handler` with every message of the other members (never this bus's own), until the
   * returned function is called.
   */
  subscribe(handler: InvalidationHandler): () => void;
  /**
   * Calls `listener` with `connected` each time the subscription goes down or comes back up.
   * A `true` means that messages may have been missed since the last `false` (or since the bus
   * was created): the receiver should drop what it cannot vouch for.
   */
  onStatus(listener: BusStatusListener): () => void;
  /**
   * Starts receiving (subscribes); idempotent. A cache with an L1 calls it on its first use
   * (in the background) and from `connect()` (awaited).
   */
  start?(): Promise<void>;
  /** Stops receiving and releases what the bus owns. Idempotent. */
  close(): Promise<void>;
}
