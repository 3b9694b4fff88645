/**
 * One Redis connection for the whole library: the command client (created from a URL or
 * options, or given), its ownership, its circuit breaker, the deadline of every command, and
 * the shared subscriber connection. `RedisBackend`, `RedisLock` and `RedisInvalidationBus` on
 * the same client share one `RedisConnection` (see {@link RedisConnection.for}).
 *
 * @module
 */
import { inspect } from 'node:util';
import type { Cluster, Redis } from 'ioredis';
import { InfrastructureError } from '../errors.js';
import { CircuitBreaker } from './breaker.js';
import { closeOwned, hardClose } from './close.js';
import { CommandSender, closedError } from './commands.js';
import { Deadlines } from './deadlines.js';
import { scopeOf } from './failures.js';
import {
  createClient,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type RedisConnectionOptions,
  type RedisRunOptions,
} from './options.js';
import { type ChannelListener, SharedSubscriber, type Subscription } from './subscriber.js';
import { describeTarget, isCluster, noop, sanitize } from './target.js';

export type { RedisConnectionOptions, RedisRunOptions } from './options.js';

/** The connection of each client, so that a backend, a lock and a bus on one client share it. */
const registry = new WeakMap<Redis | Cluster, RedisConnection>();

/**
 * A Redis command client with a circuit breaker, a deadline on every command and a shared
 * subscriber connection.
 *
 * - **Ownership**: a client it created (from `url`, `redis` or `cluster`) is closed by
 *   {@link RedisConnection.close}; a given client only with `owns: true`.
 * - **Fail fast**: while the breaker is open, {@link RedisConnection.run} rejects with a
 *   {@link CircuitOpenError} without sending anything. Before the first `ready` a command
 *   waits for the connection (within its deadline); nothing ever waits in ioredis' offline
 *   queue.
 * - **Breaker**: opens when the client reports the connection closed or an error while not
 *   ready, or when a command fails with a connection-level error (at once when the client is
 *   not ready; after `breaker.timeoutThreshold` consecutive missed deadlines when it looks
 *   ready, as with a hung server). It closes on the client's `ready` or when a half-open probe
 *   (`PING`, bounded by the command deadline) is answered. Errors about one key (`WRONGTYPE`,
 *   `OOM`) reject with `scope: 'key'` and never open it.
 * - **Redaction**: `target`, errors, `toJSON()` and `util.inspect` never show credentials.
 */
export class RedisConnection {
  /** The ioredis command client (do not put it in subscriber mode). */
  readonly client: Redis | Cluster;
  /** Secret-free description of the server (`host:port`, `sentinel master "name"`, ...). */
  readonly target: string;
  /** The circuit breaker (also exposed as `RedisBackend.health`). */
  readonly health: CircuitBreaker;
  /** Default deadline of a command, in milliseconds. */
  readonly commandTimeoutMs: number;
  /** Whether {@link RedisConnection.close} closes the client. */
  readonly owns: boolean;

  readonly #deadlines = new Deadlines();
  readonly #commands: CommandSender;
  readonly #subscriber: SharedSubscriber;
  readonly #errorListeners = new Set<(error: Error) => void>();
  readonly #readyWaiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();
  #lastError: Error | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #users = 0;

  /**
   * The connection of `client`: the one already made for it (by a backend, lock or bus on the
   * same client; its options win), or a new one that does not own the client unless
   * `options.owns` is `true`.
   */
  static for(
    client: Redis | Cluster,
    options: Omit<RedisConnectionOptions, 'url' | 'redis' | 'cluster' | 'client'> = {},
  ): RedisConnection {
    const existing = registry.get(client);
    if (existing && !existing.closed) return existing;
    return new RedisConnection({ ...options, client });
  }

  /**
   * @throws {ValidationError} for invalid breaker options.
   */
  constructor(options: RedisConnectionOptions = {}) {
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.health = new CircuitBreaker(options.breaker ?? {}, this.#probe);
    if (options.client !== undefined) {
      this.client = options.client;
      this.owns = options.owns === true;
    } else {
      this.client = createClient(options, connectTimeoutMs);
      this.owns = true;
    }
    this.target = describeTarget(this.client);
    this.#commands = new CommandSender({
      client: this.client,
      target: this.target,
      health: this.health,
      deadlines: this.#deadlines,
      commandTimeoutMs: this.commandTimeoutMs,
      closed: () => this.#closed,
      waitReady: (timeoutMs) => this.waitReady(timeoutMs),
    });
    this.#subscriber = new SharedSubscriber({
      create: () => subscriberConnection(this.client),
      owned: true,
      deadlines: this.#deadlines,
      commandTimeoutMs: this.commandTimeoutMs,
      target: this.target,
    });
    const client = this.client;
    client.on('error', this.#onError);
    client.on('ready', this.#onReady);
    client.on('close', this.#onClose);
    client.on('end', this.#onClose);
    registry.set(client, this);
  }

  /** Connection state of the client (`wait` until the first command or {@link RedisConnection.connect}). */
  get status(): Redis['status'] | Cluster['status'] {
    return this.client.status;
  }

  /** Whether {@link RedisConnection.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The last connection error seen (secret-free), cleared on `ready`. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** The shared subscriber connection while one is open (for diagnostics and tests). */
  get subscriberClient(): Redis | Cluster | undefined {
    return this.#subscriber.client;
  }

  /**
   * Registers one more user of a shared connection (a lock, a bus or a backend that does not
   * own it); the returned function releases it (idempotent). When the last user releases a
   * connection, it is closed — which closes the client only if the connection owns it.
   */
  retain(): () => Promise<void> {
    this.#users++;
    let released = false;
    return () => {
      if (released) return Promise.resolve();
      released = true;
      return --this.#users <= 0 ? this.close() : Promise.resolve();
    };
  }

  /** Receives the client's `error` events, sanitized; returns the unsubscribe function. */
  onError(listener: (error: Error) => void): () => void {
    const registration = (error: Error): void => listener(error);
    this.#errorListeners.add(registration);
    return () => {
      this.#errorListeners.delete(registration);
    };
  }

  /**
   * Opens the connection (if lazy) and resolves once the client is ready, or rejects after
   * `timeoutMs` or at the first connection error.
   */
  waitReady(timeoutMs: number): Promise<void> {
    if (this.#closed) return Promise.reject(closedError(this.target, 'connect'));
    const client = this.client;
    if (client.status === 'ready') return Promise.resolve();
    // A client ended by its user does not come back by itself: fail at once.
    if (client.status === 'end') return Promise.reject(closedError(this.target, 'connect'));
    if (client.status === 'wait') client.connect().catch(noop);
    let waiter: { resolve: () => void; reject: (error: Error) => void } | undefined;
    const promise = new Promise<void>((resolve, reject) => {
      waiter = { resolve, reject };
      this.#readyWaiters.add(waiter);
    });
    return this.#deadlines
      .bound(
        promise,
        timeoutMs,
        () =>
          new InfrastructureError(`Redis at ${this.target} not ready after ${timeoutMs} ms`, {
            ...(this.#lastError ? { cause: this.#lastError } : {}),
            context: { op: 'connect', target: this.target, reason: 'timeout', timeoutMs },
          }),
      )
      .finally(() => {
        if (waiter) this.#readyWaiters.delete(waiter);
      });
  }

  /**
   * Sends one command with a deadline. Rejects with a {@link CircuitOpenError} (no I/O) while
   * the breaker is not closed, with an {@link InfrastructureError} (`scope: 'key'` for an error
   * about this command's key or value, `'connection'` otherwise) when it fails or its deadline
   * passes. Connection-level failures feed the breaker.
   */
  run<T>(
    op: string,
    command: (client: Redis | Cluster) => Promise<T>,
    options?: RedisRunOptions,
  ): Promise<T> {
    return this.#commands.run(op, command, options);
  }

  /** Adds `listener` to `channel` on the shared subscriber connection. */
  subscribe(channel: string, listener: ChannelListener): Subscription {
    return this.#subscriber.listen(channel, listener);
  }

  /**
   * A subscriber on a connection given by the caller (never closed by it: its channels are
   * unsubscribed when their last listener leaves), bounded by this connection's deadlines.
   */
  subscriberOn(client: Redis | Cluster, commandTimeoutMs = this.commandTimeoutMs): SharedSubscriber {
    return new SharedSubscriber({
      create: () => client,
      owned: false,
      deadlines: this.#deadlines,
      commandTimeoutMs,
      target: describeTarget(client),
    });
  }

  /** The shared subscriber of this connection (created lazily, closed with it). */
  get subscriber(): SharedSubscriber {
    return this.#subscriber;
  }

  /**
   * Closes the connection: the breaker stops, the shared subscriber is closed, pending commands
   * reject, and an owned client is closed (`QUIT` when ready, bounded by a short grace, then a
   * hard disconnect that leaves no socket or timer behind). A given client is left open (only
   * the connection's listeners are removed). Idempotent; returns within ~50 ms even with
   * Redis down or hung.
   *
   * @param closeClient whether to close the client (for a user given `owns: true` on a client
   * whose connection was made without it). @default {@link RedisConnection.owns}
   */
  close(closeClient = this.owns): Promise<void> {
    this.#closing ??= this.#shutdown(closeClient);
    return this.#closing;
  }

  /** Secret-free summary (also what `JSON.stringify` and `util.inspect` show). */
  toJSON(): { target: string; status: string; owns: boolean; breaker: string; opened: number } {
    return {
      target: this.target,
      status: this.client.status,
      owns: this.owns,
      breaker: this.health.state,
      opened: this.health.opened,
    };
  }

  /** `util.inspect` shows the secret-free {@link RedisConnection.toJSON} summary only. */
  [inspect.custom](): string {
    return `RedisConnection ${inspect(this.toJSON())}`;
  }

  async #shutdown(closeClient: boolean): Promise<void> {
    this.#closed = true;
    this.health.stop();
    await this.#subscriber.close();
    const error = closedError(this.target, 'close');
    for (const waiter of [...this.#readyWaiters]) waiter.reject(error);
    this.#readyWaiters.clear();
    const client = this.client;
    if (registry.get(client) === this) registry.delete(client);
    client.off('ready', this.#onReady);
    client.off('close', this.#onClose);
    client.off('end', this.#onClose);
    if (!closeClient) {
      client.off('error', this.#onError);
      return;
    }
    // The error listener stays: a late socket error must not become "Unhandled error event".
    if (client.status === 'wait') {
      await hardClose(client);
      return;
    }
    await closeOwned(client, this.health.state === 'closed');
    this.#deadlines.rejectAll(error);
  }

  /** Half-open probe: a PING within the command deadline, when the client is ready. */
  readonly #probe = (): Promise<boolean> | undefined => {
    if (this.#closed || this.client.status !== 'ready') return undefined;
    return this.#deadlines
      .bound(this.client.ping(), this.commandTimeoutMs, () => new Error('probe timed out'))
      .then(
        () => true,
        () => false,
      );
  };

  readonly #onReady = (): void => {
    this.#lastError = undefined;
    this.health.close();
    for (const waiter of [...this.#readyWaiters]) waiter.resolve();
    this.#readyWaiters.clear();
  };

  readonly #onClose = (): void => {
    if (this.#closed) return;
    const reason =
      this.#lastError ??
      new InfrastructureError(`The Redis connection to ${this.target} was closed`, {
        context: { op: 'connection', target: this.target, reason: 'closed' },
      });
    this.health.fail(reason, false);
    for (const waiter of [...this.#readyWaiters]) waiter.reject(reason);
    this.#readyWaiters.clear();
  };

  readonly #onError = (error: unknown): void => {
    const clean = sanitize(error);
    this.#lastError = clean;
    if (!this.#closed && this.client.status !== 'ready') {
      if (scopeOf(error) === 'connection') this.health.fail(clean, false);
      // A connection attempt failed: whoever waits for ready hears it now.
      for (const waiter of [...this.#readyWaiters]) waiter.reject(clean);
      this.#readyWaiters.clear();
    }
    for (const listener of [...this.#errorListeners]) {
      try {
        listener(clean);
      } catch {
        // A failing error listener must not break the client.
      }
    }
  };
}

/**
 * The connection of the shared subscriber: a duplicate of `client`. On standalone Redis it does
 * not re-subscribe by itself after a reconnect (`autoResubscribe: false`): ioredis sends that
 * SUBSCRIBE with no handler, so a connection closing before its reply was an unhandled rejection;
 * the subscriber re-subscribes its channels on `ready` itself, with a deadline.
 */
function subscriberConnection(client: Redis | Cluster): Redis | Cluster {
  return isCluster(client) ? client.duplicate() : (client as Redis).duplicate({ autoResubscribe: false });
}
