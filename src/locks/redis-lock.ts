/**
 * Distributed stampede lock on Redis: `SET NX PX` with a random token, a token-checked
 * release that publishes a wake-up message, and waiters woken by pub/sub instead of polling.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CircuitOpenError, InfrastructureError, type ValidationIssue } from '../errors.js';
import { RedisConnection, type RedisRunOptions } from '../redis/connection.js';
import type { SharedSubscriber, Subscription } from '../redis/subscriber.js';
import { noop } from '../redis/target.js';
import { EXTEND, evalScript, RELEASE } from './lock-scripts.js';
import {
  checkKey,
  checkMs,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_KEY_PREFIX,
  type RedisLockOptions,
  throwIfInvalid,
  validateOptions,
} from './redis-lock-options.js';
import { type WaitContext, WaiterRegistry, waitForRelease } from './release-wait.js';
import type { DistributedLock, LockHandle, WaitOutcome } from './types.js';

export type { RedisLockOptions } from './redis-lock-options.js';

/** The command methods used by the lock; `Redis` and `Cluster` both provide them. */
type Commands = Pick<Redis, 'set' | 'pttl' | 'evalsha' | 'eval'>;

/** Redis `PX` wants a positive integer. */
function toPx(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

/**
 * A {@link DistributedLock} on Redis (standalone, sentinel, or a Cluster client).
 *
 * - **Acquire**: `SET <keyPrefix><key> <token> NX PX <ttlMs>` with a random UUID token, so the
 *   lock expires on its own if its holder dies.
 * - **Release / extend**: Lua scripts that act only when the stored value equals the
 *   handle's token, so a holder whose lock expired and was taken over can never delete or
 *   prolong the new holder's lock. The release script also `PUBLISH`es the key on `channel`
 *   in the same atomic step.
 * - **Wait**: one shared subscription per `RedisLock` on `channel`; messages are dispatched to
 *   the local waiters of that key. A waiter registers first, then reads the lock's `PTTL`, and
 *   sleeps until the release message, or until the lock would have expired (then it looks
 *   again), or until its timeout — a handful of commands per wait, never a polling loop
 *   faster than the lock's own expiry.
 * - **Connection**: the lock runs on the {@link RedisConnection} of `client`, shared with a
 *   `RedisBackend` or `RedisInvalidationBus` on the same client: same circuit breaker, same
 *   subscriber connection, every command bounded by `commandTimeoutMs`.
 * - **Failures**: Redis errors never crash the process. `tryAcquire`, `release` and `extend`
 *   reject with an {@link InfrastructureError} (callers proceed without the lock); while the
 *   connection's breaker is open they reject at once with a `CircuitOpenError`, sending
 *   nothing. `waitForRelease` resolves `'expired'` as soon as Redis cannot be asked (the
 *   caller then tries to acquire, which tells it whether Redis is back). Every failure also
 *   goes to `onError`.
 * - **Reconnects**: the shared subscriber subscribes again after every reconnect, and the lock
 *   then re-checks every pending waiter, because releases published while it was
 *   disconnected are lost.
 *
 * @example
 * const lock = new RedisLock({ client: backend.client as Redis });
 * const handle = await lock.tryAcquire('ai:chat:123', 30_000);
 * if (handle) {
 *   try { await compute(); } finally { await handle.release(); }
 * } else {
 *   await lock.waitForRelease('ai:chat:123', 10_000);
 * }
 */
export class RedisLock implements DistributedLock {
  /** Always `'redis'`. */
  readonly name = 'redis';

  readonly #connection: RedisConnection;
  readonly #unretain: () => Promise<void>;
  /** The subscriber of a connection given in `subscriber` (else the connection's shared one). */
  readonly #ownSubscriber: SharedSubscriber | undefined;
  readonly #keyPrefix: string;
  readonly #channel: string;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #commandTimeoutMs: number;
  readonly #waiters = new WaiterRegistry();
  #subscription: Subscription | undefined;
  #everLive = false;
  /** What {@link waitForRelease} needs of this lock. */
  readonly #waitContext: WaitContext;

  #closed = false;
  #closing: Promise<void> | undefined;

  readonly #handleMessage = (message: string): void => {
    this.#waiters.notify(message);
  };

  readonly #handleUp = (): void => {
    // The first subscription comes before any wait looked at its key: nothing was missed.
    if (!this.#everLive) {
      this.#everLive = true;
      return;
    }
    if (this.#closed) return;
    // After a reconnect: releases published while disconnected were lost, look again.
    this.#waiters.recheckAll();
  };

  readonly #handleSubscriberError = (error: Error): void => {
    this.#report(
      error instanceof InfrastructureError
        ? new InfrastructureError(`Redis lock subscriber error: ${error.message}`, {
            cause: error.cause ?? error,
            context: { ...error.context, component: 'lock', channel: this.#channel },
          })
        : error,
    );
  };

  /**
   * @throws {ValidationError} for invalid options (every problem listed).
   */
  constructor(options: RedisLockOptions) {
    validateOptions(options);
    this.#keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.#channel = options.channel ?? `${this.#keyPrefix}released`;
    this.#onError = options.onError;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.#connection = RedisConnection.for(options.client, { commandTimeoutMs: this.#commandTimeoutMs });
    this.#unretain = this.#connection.retain();
    this.#ownSubscriber = options.subscriber
      ? this.#connection.subscriberOn(options.subscriber, this.#commandTimeoutMs)
      : undefined;
    this.#waitContext = {
      waiters: this.#waiters,
      commandTimeoutMs: this.#commandTimeoutMs,
      refusal: (fullKey) =>
        this.#connection.health.state === 'closed' ? undefined : this.#circuitOpen('waitForRelease', fullKey),
      whenSubscribed: (timeoutMs) => this.#subscribe().whenLive(timeoutMs),
      subscribeError: (error) => this.#wrapSubscribe(error),
      pttl: (fullKey) => this.#run('waitForRelease', fullKey, (commands) => commands.pttl(fullKey)),
      report: (error) => this.#report(error),
    };
  }

  /** The connection the lock runs on (shared with a backend or bus on the same client). */
  get connection(): RedisConnection {
    return this.#connection;
  }

  /** Prefix of every lock key. */
  get keyPrefix(): string {
    return this.#keyPrefix;
  }

  /** Channel on which releases are announced. */
  get channel(): string {
    return this.#channel;
  }

  /** Number of {@link RedisLock.waitForRelease} calls currently pending on this instance. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * {@inheritDoc DistributedLock.tryAcquire}
   *
   * If Redis answers `OK` only after `commandTimeoutMs` (the call has already rejected), the
   * lock taken late is released again, best effort.
   *
   * @throws {ValidationError} for an empty key or a non-positive `ttlMs`.
   * @throws {InfrastructureError} when Redis fails, times out, or the lock is closed.
   */
  async tryAcquire(key: string, ttlMs: number): Promise<LockHandle | undefined> {
    const issues: ValidationIssue[] = [];
    checkKey(issues, key);
    checkMs(issues, 'ttlMs', ttlMs, false);
    throwIfInvalid(issues, 'tryAcquire');
    const fullKey = this.#fullKey(key);
    const token = randomUUID();
    let timedOut = false;
    let result: 'OK' | null;
    try {
      result = await this.#call('tryAcquire', fullKey, (commands) => {
        const pending = commands.set(fullKey, token, 'PX', toPx(ttlMs), 'NX');
        // A lock taken after the deadline (the call has already rejected) is released again.
        pending.then((late) => {
          if (timedOut && late === 'OK') this.#release(key, token).catch(noop);
        }, noop);
        return pending;
      });
    } catch (error) {
      timedOut = error instanceof InfrastructureError && error.context.reason === 'timeout';
      throw error;
    }
    return result === 'OK' ? this.#handle(key, token) : undefined;
  }

  /**
   * Rebuilds the handle of a lock acquired elsewhere (for instance by another process that
   * passed on its key and token). Releasing or extending it works only while `token` is the
   * current holder's.
   *
   * @throws {ValidationError} for an empty key or token.
   */
  handleFor(key: string, token: string): LockHandle {
    const issues: ValidationIssue[] = [];
    checkKey(issues, key);
    if (typeof token !== 'string' || token === '') {
      issues.push({ path: 'token', message: 'expected a non-empty string' });
    }
    throwIfInvalid(issues, 'handleFor');
    return this.#handle(key, token);
  }

  /**
   * {@inheritDoc DistributedLock.waitForRelease}
   *
   * Costs one `PTTL` when the wait starts, one more each time the lock would have expired,
   * and one at the timeout (plus a single `SUBSCRIBE` for the lifetime of the instance).
   * When Redis cannot be reached (the subscription or a `PTTL` fails or times out) the wait
   * resolves `'expired'` right away and the error goes to `onError`; after
   * {@link RedisLock.close} pending and new waits resolve `'expired'` as well. In the worst
   * case (a hung server at the deadline) it resolves `commandTimeoutMs` after `timeoutMs`.
   *
   * @param timeoutMs finite, `>= 0` (`0` only looks once).
   * @throws {ValidationError} (as a rejection) for an empty key or an invalid `timeoutMs`.
   */
  waitForRelease(key: string, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    const issues: ValidationIssue[] = [];
    checkKey(issues, key);
    checkMs(issues, 'timeoutMs', timeoutMs, true);
    try {
      throwIfInvalid(issues, 'waitForRelease');
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) return Promise.resolve('expired');

    return waitForRelease(this.#waitContext, this.#fullKey(key), timeoutMs, signal);
  }

  /**
   * Closes the lock: pending waits resolve `'expired'`, the lock's channel is unsubscribed (the
   * shared subscriber connection closes once no channel is left on it; a subscriber passed in
   * is left open), and the lock lets go of its connection (the command client is closed only
   * by its owner, e.g. the `RedisBackend` that created it). Fast even with Redis down or hung.
   * Later calls of `tryAcquire`, `release` and `extend` reject with an
   * {@link InfrastructureError}. Idempotent.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#waiters.abandonAll();
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.close();
    await this.#unretain();
  }

  /** The handle of a lock held (or believed held) with `token`. */
  #handle(key: string, token: string): LockHandle {
    let released = false;
    return Object.freeze({
      key,
      token,
      release: async (): Promise<boolean> => {
        if (released) return false;
        const done = await this.#release(key, token);
        if (done) released = true;
        return done;
      },
      extend: async (ttlMs: number): Promise<boolean> => {
        const issues: ValidationIssue[] = [];
        checkMs(issues, 'ttlMs', ttlMs, false);
        throwIfInvalid(issues, 'extend');
        if (released) return false;
        return this.#extend(key, token, ttlMs);
      },
    });
  }

  async #release(key: string, token: string): Promise<boolean> {
    const fullKey = this.#fullKey(key);
    const result = await this.#call('release', fullKey, (commands) =>
      evalScript(commands, RELEASE, fullKey, [token, this.#channel, fullKey]),
    );
    return result === 1;
  }

  async #extend(key: string, token: string, ttlMs: number): Promise<boolean> {
    const fullKey = this.#fullKey(key);
    const result = await this.#call('extend', fullKey, (commands) =>
      evalScript(commands, EXTEND, fullKey, [token, toPx(ttlMs)]),
    );
    return result === 1;
  }

  /** The lock's subscription to its channel: made once, re-subscribed by the subscriber after reconnects. */
  #subscribe(): Subscription {
    if (this.#subscription) return this.#subscription;
    const listener = {
      message: this.#handleMessage,
      up: this.#handleUp,
      error: this.#handleSubscriberError,
    };
    this.#subscription = this.#ownSubscriber
      ? this.#ownSubscriber.listen(this.#channel, listener)
      : this.#connection.subscribe(this.#channel, listener);
    return this.#subscription;
  }

  #fullKey(key: string): string {
    return this.#keyPrefix + key;
  }

  /** {@link RedisLock.#run} for calls whose failure rejects: refuses when closed, reports errors. */
  async #call<T>(op: string, fullKey: string, command: (commands: Commands) => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new InfrastructureError('RedisLock is closed', {
        context: { op, component: 'lock', key: fullKey, target: this.#connection.target, reason: 'closed' },
      });
    }
    try {
      return await this.#run(op, fullKey, command);
    } catch (error) {
      this.#report(error);
      throw error;
    }
  }

  /**
   * Runs one command on the connection: refused at once while its breaker is open, bounded by
   * `commandTimeoutMs`; errors become {@link InfrastructureError}s naming the lock key.
   */
  #run<T>(op: string, key: string, command: (commands: Commands) => Promise<T>): Promise<T> {
    const options: RedisRunOptions = {
      what: 'Redis lock',
      subject: key,
      timeoutMs: this.#commandTimeoutMs,
      context: { component: 'lock', key },
    };
    return this.#connection.run(op, command as never, options);
  }

  #circuitOpen(op: string, key: string): CircuitOpenError {
    const reason = this.#connection.health.reason;
    return new CircuitOpenError(
      `Redis lock ${op} (${key}) not sent: the circuit breaker of ${this.#connection.target} is open`,
      {
        ...(reason ? { cause: reason } : {}),
        context: { op, component: 'lock', key, target: this.#connection.target, reason: 'circuit-open' },
      },
    );
  }

  #wrapSubscribe(error: unknown): Error {
    if (!(error instanceof InfrastructureError))
      return error instanceof Error ? error : new Error(String(error));
    return new InfrastructureError(`Redis lock subscribe (${this.#channel}): ${error.message}`, {
      cause: error.cause ?? error,
      scope: error.scope,
      context: { ...error.context, op: 'subscribe', component: 'lock', channel: this.#channel },
    });
  }

  #report(error: unknown): void {
    if (!this.#onError) return;
    const reported =
      error instanceof Error ? error : new InfrastructureError(`Redis lock error: ${String(error)}`);
    try {
      this.#onError(reported);
    } catch {
      // A failing error handler must not break the lock.
    }
  }
}
