/**
 * Options of the Redis lock, their defaults, and the validation of the options and of the
 * arguments of its methods.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { isClientLike } from '../redis/target.js';

/** Options of {@link RedisLock}. */
export interface RedisLockOptions {
  /**
   * The ioredis `Redis` or `Cluster` client that runs the lock's commands (`SET`, `PTTL`,
   * scripts). Typically shared with the cache's backend (`RedisBackend.client`); it is never
   * closed by the lock. It must not be in subscriber mode.
   */
  client: Redis | Cluster;
  /**
   * A dedicated connection for `SUBSCRIBE` (a connection in subscriber mode cannot run other
   * commands). A subscriber passed in is not closed by {@link RedisLock.close}: the lock only
   * unsubscribes from its channel and removes its listeners.
   * @default the shared subscriber connection of `client` (one `client.duplicate()` per
   * connection, shared with an invalidation bus on the same client, opened by the first
   * {@link RedisLock.waitForRelease} and closed when its last channel is unsubscribed)
   */
  subscriber?: Redis | Cluster;
  /**
   * Prepended to every lock key (`<keyPrefix><key>` is the Redis key).
   * @default 'lock:'
   */
  keyPrefix?: string;
  /**
   * Pub/sub channel on which releases are announced (the message is the released Redis key).
   * Every process sharing these locks must use the same channel.
   * @default `${keyPrefix}released`
   */
  channel?: string;
  /**
   * Receives every Redis failure seen by the lock, wrapped in an {@link InfrastructureError}:
   * failed commands (also reported to the caller by a rejection), failures that end a wait
   * early, and `error` events of the subscriber connection. Errors thrown by the handler are
   * ignored.
   * @default undefined (errors are only reported through rejections)
   */
  onError?: (error: Error) => void;
  /**
   * Upper bound, in milliseconds, of every Redis command the lock sends (including the
   * subscription): after this long the call fails with an {@link InfrastructureError}.
   * @default 1000
   */
  commandTimeoutMs?: number;
}

/** Default prefix of every lock key. */
export const DEFAULT_KEY_PREFIX = 'lock:';
/** Default upper bound of every command of a lock, in milliseconds. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

/**
 * Checks the options of a {@link RedisLock}.
 *
 * @throws {ValidationError} listing every problem.
 */
export function validateOptions(options: RedisLockOptions): void {
  const issues: ValidationIssue[] = [];
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('Invalid RedisLock options', [{ path: '', message: 'expected an object' }]);
  }
  if (!isClientLike(options.client, 'set') || !isClientLike(options.client, 'duplicate')) {
    issues.push({ path: 'client', message: 'expected an ioredis Redis or Cluster instance' });
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
  if (options.keyPrefix !== undefined && typeof options.keyPrefix !== 'string') {
    issues.push({ path: 'keyPrefix', message: 'expected a string' });
  }
  if (options.channel !== undefined && (typeof options.channel !== 'string' || options.channel === '')) {
    issues.push({ path: 'channel', message: 'expected a non-empty string' });
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    issues.push({ path: 'onError', message: 'expected a function' });
  }
  const timeout = options.commandTimeoutMs;
  if (timeout !== undefined && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0)) {
    issues.push({
      path: 'commandTimeoutMs',
      message: `expected a positive number (got ${String(timeout)})`,
    });
  }
  if (issues.length > 0) throw new ValidationError('Invalid RedisLock options', issues);
}

/** Adds an issue for a `key` that is not a non-empty string. */
export function checkKey(issues: ValidationIssue[], key: unknown): void {
  if (typeof key !== 'string' || key === '')
    issues.push({ path: 'key', message: 'expected a non-empty string' });
}

/** Adds an issue for a `value` that is not a finite number of milliseconds (`> 0`, or `>= 0` with `allowZero`). */
export function checkMs(issues: ValidationIssue[], path: string, value: unknown, allowZero: boolean): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    issues.push({
      path,
      message: `expected a finite number of milliseconds ${allowZero ? '>= 0' : '> 0'} (got ${String(value)})`,
    });
  }
}

/** @throws {ValidationError} "Invalid <what> arguments" when `issues` is not empty. */
export function throwIfInvalid(issues: ValidationIssue[], what: string): void {
  if (issues.length > 0) throw new ValidationError(`Invalid ${what} arguments`, issues);
}
