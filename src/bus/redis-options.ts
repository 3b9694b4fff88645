/**
 * Options of the Redis invalidation bus, their defaults and their validation.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { isClientLike, MAX_TIMER_MS } from '../redis/target.js';

/** Options of {@link RedisInvalidationBus}. */
export interface RedisInvalidationBusOptions {
  /**
   * The ioredis `Redis` or `Cluster` client that sends `PUBLISH` (typically the backend's
   * client). It is never closed by the bus and must not be in subscriber mode.
   */
  client: Redis | Cluster;
  /**
   * A dedicated connection for `SUBSCRIBE` (a subscribed connection runs no other command).
   * A subscriber passed in is not closed by {@link RedisInvalidationBus.close}: the bus only
   * unsubscribes from its channel and removes its listeners. Do not share one subscriber
   * between two buses on the same channel.
   * @default the shared subscriber connection of `client` (one `client.duplicate()` per
   * connection, shared with a `RedisLock` on the same client, opened by
   * {@link RedisInvalidationBus.start} and closed when its last channel is unsubscribed)
   */
  subscriber?: Redis | Cluster;
  /**
   * Pub/sub channel of the bus; every process sharing the cache must use the same one.
   * @default 'arc:invalidate'
   */
  channel?: string;
  /**
   * Receives every failure: failed or timed-out publishes and subscriptions
   * ({@link InfrastructureError}), invalid messages given to `publish`
   * ({@link ValidationError}), malformed messages received ({@link SerializationError}),
   * `error` events of the subscriber connection, and errors thrown by handlers and status
   * listeners (as thrown). Errors thrown by `onError` itself are ignored.
   * @default undefined (failures are dropped silently)
   */
  onError?: (error: Error) => void;
  /**
   * Coalescing window in milliseconds: publishes within it are sent together when it ends,
   * with every `delete` key merged into one message (deduplicated, at most 1000 keys per
   * message), `clear` prefixes deduplicated and `tags` merged per `at`. `0` publishes each
   * message at once.
   * @default 0
   */
  batchMs?: number;
  /**
   * Upper bound, in milliseconds, of every Redis command the bus sends (`PUBLISH`, and the
   * connection plus `SUBSCRIBE` of {@link RedisInvalidationBus.start}); after this long the
   * failure goes to `onError` (or `start` rejects).
   * @default 1000
   */
  commandTimeoutMs?: number;
}

/** Default pub/sub channel of a {@link RedisInvalidationBus}. */
export const DEFAULT_CHANNEL = 'arc:invalidate';
/** Default upper bound of every command of a {@link RedisInvalidationBus}, in milliseconds. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

/**
 * Checks the options of a {@link RedisInvalidationBus}.
 *
 * @throws {ValidationError} listing every problem.
 */
export function validateOptions(options: RedisInvalidationBusOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('Invalid RedisInvalidationBus options', [
      { path: '', message: 'expected an object' },
    ]);
  }
  const issues: ValidationIssue[] = [];
  if (!isClientLike(options.client, 'publish')) {
    issues.push({ path: 'client', message: 'expected an ioredis Redis or Cluster instance' });
  } else if (options.subscriber === undefined && !isClientLike(options.client, 'duplicate')) {
    issues.push({ path: 'client', message: 'cannot duplicate this client: pass a subscriber' });
  }
  if (options.subscriber !== undefined && !isClientLike(options.subscriber, 'subscribe')) {
    issues.push({ path: 'subscriber', message: 'expected an ioredis Redis or Cluster instance' });
  }
  if (options.subscriber !== undefined && options.subscriber === options.client) {
    issues.push({
      path: 'subscriber',
      message: 'must be a different connection than client (a subscribed connection runs no other command)',
    });
  }
  if (options.channel !== undefined && (typeof options.channel !== 'string' || options.channel === '')) {
    issues.push({ path: 'channel', message: 'expected a non-empty string' });
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    issues.push({ path: 'onError', message: 'expected a function' });
  }
  const { batchMs, commandTimeoutMs } = options;
  if (
    batchMs !== undefined &&
    !(typeof batchMs === 'number' && Number.isFinite(batchMs) && batchMs >= 0 && batchMs <= MAX_TIMER_MS)
  ) {
    issues.push({ path: 'batchMs', message: `expected a finite number >= 0 (got ${String(batchMs)})` });
  }
  if (
    commandTimeoutMs !== undefined &&
    !(typeof commandTimeoutMs === 'number' && Number.isFinite(commandTimeoutMs) && commandTimeoutMs > 0)
  ) {
    issues.push({
      path: 'commandTimeoutMs',
      message: `expected a positive number (got ${String(commandTimeoutMs)})`,
    });
  }
  if (issues.length > 0) throw new ValidationError('Invalid RedisInvalidationBus options', issues);
}
