/**
 * Distributed stampede lock on Redis: `SET NX PX` with a random token, a token-checked
 * release that publishes a wake-up message, and waiters woken by pub/sub instead of polling.
 *
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { CircuitOpenError, InfrastructureError, ValidationError, type ValidationIssue } from '../errors.js';
import { RedisConnection, type RedisRunOptions } from '../redis/connection.js';
import type { SharedSubscriber, Subscription } from '../redis/subscriber.js';
import { isClientLike, MAX_TIMER_MS, noop } from '../redis/target.js';
import type { DistributedLock, LockHandle, WaitOutcome } from './types.js';

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

/** Something a waiter registered for one key can be told. */
interface Waiter {
  /** A release of its key was announced. */
  notify(): void;
  /** Notifications may have been missed (the subscriber reconnected): look at the key again. */
  recheck(): void;
  /** The lock is closing. */
  abandon(): void;
}

/** The command methods used by the lock; `Redis` and `Cluster` both provide them. */
type Commands = Pick<Redis, 'set' | 'pttl' | 'evalsha' | 'eval'>;

/** A Lua script, run by `EVALSHA` with an `EVAL` fallback. */
interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS[1] lock key, ARGV[1] token, ARGV[2] channel, ARGV[3] message (the lock key as the
 * waiters know it). Deletes only the holder's lock, and announces the release in the same
 * atomic step.
 */
const RELEASE = script(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0`);

/** KEYS[1] lock key, ARGV[1] token, ARGV[2] new TTL in ms. */
const EXTEND = script(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`);

const DEFAULT_KEY_PREFIX = 'lock:';
const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
/** Added to a lock's PTTL before looking again, so that the key has really expired by then. */
const EXPIRY_MARGIN_MS = 10;

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** Redis `PX` wants a positive integer. */
function toPx(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

function validateOptions(options: RedisLockOptions): void {
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

function checkKey(issues: ValidationIssue[], key: unknown): void {
  if (typeof key !== 'string' || key === '')
    issues.push({ path: 'key', message: 'expected a non-empty string' });
}

function checkMs(issues: ValidationIssue[], path: string, value: unknown, allowZero: boolean): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    issues.push({
      path,
      message: `expected a finite number of milliseconds ${allowZero ? '>= 0' : '> 0'} (got ${String(value)})`,
    });
  }
}

function throwIfInvalid(issues: ValidationIssue[], what: string): void {
  if (issues.length > 0) throw new ValidationError(`Invalid ${what} arguments`, issues);
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
  readonly #waiters = new Map<string, Set<Waiter>>();
  #subscription: Subscription | undefined;
  #everLive = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  readonly #handleMessage = (message: string): void => {
    const waiters = this.#waiters.get(message);
    if (!waiters) return;
    for (const waiter of [...waiters]) waiter.notify();
  };

  readonly #handleUp = (): void => {
    // The first subscription comes before any wait looked at its key: nothing was missed.
    if (!this.#everLive) {
      this.#everLive = true;
      return;
    }
    if (this.#closed) return;
    // After a reconnect: releases published while disconnected were lost, look again.
    for (const waiters of [...this.#waiters.values()]) {
      for (const waiter of [...waiters]) waiter.recheck();
    }
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
    let count = 0;
    for (const waiters of this.#waiters.values()) count += waiters.size;
    return count;
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

    const fullKey = this.#fullKey(key);
    const deadline = performance.now() + timeoutMs;
    return new Promise<WaitOutcome>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let checks = 0;

      const cleanup = (): void => {
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#removeWaiter(fullKey, waiter);
      };
      const finish = (outcome: WaitOutcome): void => {
        if (settled) return;
        cleanup();
        resolve(outcome);
      };
      const onAbort = (): void => {
        if (settled) return;
        cleanup();
        reject(signal?.reason);
      };
      const fail = (error: unknown): void => {
        if (settled) return;
        this.#report(error);
        finish('expired');
      };

      /** Reads the lock's PTTL and either settles or sleeps until it would have expired. */
      const check = async (): Promise<void> => {
        clearTimeout(timer);
        timer = undefined;
        if (settled) return;
        const first = checks++ === 0;
        let pttl: number;
        try {
          pttl = await this.#run('waitForRelease', fullKey, (commands) => commands.pttl(fullKey));
        } catch (error) {
          fail(error);
          return;
        }
        if (settled) return;
        // -2: no such key. The first look finding nothing means it was released before (or
        // while) we started; a later one means it vanished without a notification.
        if (pttl === -2) {
          finish(first ? 'released' : 'expired');
          return;
        }
        const remaining = deadline - performance.now();
        if (remaining < 1) {
          finish('timeout');
          return;
        }
        // -1: a key without expiry (not one of ours): only a notification or the timeout ends it.
        const delay = pttl >= 0 ? Math.min(pttl + EXPIRY_MARGIN_MS, remaining) : remaining;
        clearTimeout(timer);
        timer = setTimeout(() => void check(), Math.min(Math.ceil(delay), MAX_TIMER_MS));
      };

      const waiter: Waiter = {
        notify: () => finish('released'),
        recheck: () => void check(),
        abandon: () => finish('expired'),
      };

      signal?.addEventListener('abort', onAbort, { once: true });
      // Register before looking at the key, so that a release racing with the first PTTL is
      // not missed; and be subscribed before that PTTL for the same reason.
      this.#addWaiter(fullKey, waiter);
      const start = async (): Promise<void> => {
        if (this.#connection.health.state !== 'closed') {
          // The connection's breaker is open: nothing to ask; the caller's acquire fails fast too.
          fail(this.#circuitOpen('waitForRelease', fullKey));
          return;
        }
        const remaining = Math.max(0, deadline - performance.now());
        const bound = Math.min(this.#commandTimeoutMs, remaining);
        try {
          await this.#subscribe().whenLive(Math.max(1, bound));
        } catch (error) {
          const timedOut = error instanceof InfrastructureError && error.context.reason === 'timeout';
          // The deadline of the wait came first: look once (the last look) instead of failing.
          if (!timedOut || bound >= this.#commandTimeoutMs) {
            fail(this.#wrapSubscribe(error));
            return;
          }
        }
        if (settled) return;
        await check();
      };
      void start();
    });
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
    for (const waiters of [...this.#waiters.values()]) {
      for (const waiter of [...waiters]) waiter.abandon();
    }
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
      this.#eval(commands, RELEASE, fullKey, [token, this.#channel, fullKey]),
    );
    return result === 1;
  }

  async #extend(key: string, token: string, ttlMs: number): Promise<boolean> {
    const fullKey = this.#fullKey(key);
    const result = await this.#call('extend', fullKey, (commands) =>
      this.#eval(commands, EXTEND, fullKey, [token, toPx(ttlMs)]),
    );
    return result === 1;
  }

  /** `EVALSHA`, falling back to `EVAL` when the server does not know the script yet. */
  async #eval(commands: Commands, lua: Script, key: string, args: (string | number)[]): Promise<unknown> {
    try {
      return await commands.evalsha(lua.sha, 1, key, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return commands.eval(lua.source, 1, key, ...args);
    }
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

  #addWaiter(fullKey: string, waiter: Waiter): void {
    let waiters = this.#waiters.get(fullKey);
    if (!waiters) {
      waiters = new Set();
      this.#waiters.set(fullKey, waiters);
    }
    waiters.add(waiter);
  }

  #removeWaiter(fullKey: string, waiter: Waiter): void {
    const waiters = this.#waiters.get(fullKey);
    if (!waiters) return;
    waiters.delete(waiter);
    if (waiters.size === 0) this.#waiters.delete(fullKey);
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
