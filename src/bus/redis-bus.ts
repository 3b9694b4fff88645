/**
 * The invalidation bus over Redis pub/sub: publishes on the shared {@link RedisConnection} of
 * a client, receives on its shared subscriber connection.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import type { Redis } from 'ioredis';
import { InfrastructureError, SerializationError, ValidationError } from '../errors.js';
import { RedisConnection, type RedisRunOptions } from '../redis/connection.js';
import type { SharedSubscriber, Subscription } from '../redis/subscriber.js';
import { PublishBatcher } from './batch.js';
import { addRemovable, checkHandler, dispatch, safeReport } from './listeners.js';
import { decodeEnvelope, encodeEnvelope, isEmpty, newBusId, normalizeMessage, split } from './messages.js';
import {
  DEFAULT_CHANNEL,
  DEFAULT_COMMAND_TIMEOUT_MS,
  type RedisInvalidationBusOptions,
  validateOptions,
} from './redis-options.js';
import type {
  BusStatusListener,
  InvalidationBus,
  InvalidationHandler,
  InvalidationMessage,
} from './types.js';

export type { RedisInvalidationBusOptions } from './redis-options.js';

/**
 * An {@link InvalidationBus} over Redis pub/sub (standalone, sentinel, or a Cluster client).
 *
 * - **Wire format**: compact JSON `{"s":"<sender id>","m":<message>}` on `channel`; messages
 *   carry keys, never values. Messages from the bus's own `id` are ignored; malformed ones are
 *   ignored and reported to `onError` as a {@link SerializationError}.
 * - **Publishing** uses the {@link RedisConnection} of `client` (shared with a `RedisBackend`
 *   or `RedisLock` on the same client) and never rejects: while its circuit breaker is open
 *   nothing is sent (the publish goes to `onError` as a `CircuitOpenError` at once); a publish
 *   not answered within `commandTimeoutMs` is reported to `onError`, but may still be
 *   delivered later — harmless, since messages only ever drop L1 entries.
 * - **Subscribing** uses the connection's shared subscriber (or the `subscriber` given), from
 *   {@link RedisInvalidationBus.start}. `connected` turns `false` (and status listeners hear
 *   `false`) when the subscriber connection goes down; it subscribes again on every `ready`
 *   (also with `autoResubscribe: false`), turning `connected` back to `true` (listeners hear
 *   `true`) once that `SUBSCRIBE` is answered. Messages published meanwhile are lost: that
 *   `true` tells the receiver to drop its L1.
 *
 * @example
 * const bus = new RedisInvalidationBus({ client: backend.client, channel: 'app:__bus' });
 * bus.subscribe((message) => dropFromL1(message));
 * bus.onStatus((connected) => (connected ? l1.clear() : capL1Ttl()));
 * await bus.start();
 * await bus.publish({ type: 'delete', keys: ['app:user:1'] });
 */
export class RedisInvalidationBus implements InvalidationBus {
  /** {@inheritDoc InvalidationBus.id} */
  readonly id: string = newBusId();

  readonly #connection: RedisConnection;
  readonly #unretain: () => Promise<void>;
  /** The subscriber of a connection given in `subscriber` (else the connection's shared one). */
  readonly #ownSubscriber: SharedSubscriber | undefined;
  readonly #channel: string;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #commandTimeoutMs: number;
  readonly #publishOptions: RedisRunOptions;
  readonly #handlers = new Set<InvalidationHandler>();
  readonly #statusListeners = new Set<BusStatusListener>();
  #subscription: Subscription | undefined;
  #connected = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** The coalescing window (`batchMs > 0`), else publishes go out at once. */
  readonly #batcher: PublishBatcher | undefined;

  readonly #handleMessage = (payload: string): void => {
    if (this.#closed) return;
    const decoded = this.#decode(payload);
    if (decoded === undefined) return;
    dispatch(this.#handlers, decoded, (error) => this.#report(error));
  };

  readonly #handleUp = (): void => {
    if (!this.#closed) this.#setConnected(true);
  };

  readonly #handleDown = (): void => {
    if (!this.#closed) this.#setConnected(false);
  };

  readonly #handleSubscriberError = (error: Error): void => {
    this.#report(
      error instanceof InfrastructureError
        ? new InfrastructureError(`Invalidation bus subscriber error: ${error.message}`, {
            cause: error.cause ?? error,
            context: { ...error.context, component: 'bus', channel: this.#channel },
          })
        : error,
    );
  };

  /**
   * @throws {ValidationError} for invalid options (every problem listed).
   */
  constructor(options: RedisInvalidationBusOptions) {
    validateOptions(options);
    this.#channel = options.channel ?? DEFAULT_CHANNEL;
    this.#onError = options.onError;
    const batchMs = options.batchMs ?? 0;
    this.#batcher = batchMs > 0 ? new PublishBatcher(batchMs, (messages) => this.#send(messages)) : undefined;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.#connection = RedisConnection.for(options.client, { commandTimeoutMs: this.#commandTimeoutMs });
    this.#unretain = this.#connection.retain();
    this.#ownSubscriber = options.subscriber
      ? this.#connection.subscriberOn(options.subscriber, this.#commandTimeoutMs)
      : undefined;
    this.#publishOptions = {
      what: 'Invalidation bus',
      subject: this.#channel,
      timeoutMs: this.#commandTimeoutMs,
      context: { component: 'bus', channel: this.#channel },
    };
  }

  /** The connection the bus publishes on (shared with a backend or lock on the same client). */
  get connection(): RedisConnection {
    return this.#connection;
  }

  /** The pub/sub channel of this bus. */
  get channel(): string {
    return this.#channel;
  }

  /** {@inheritDoc InvalidationBus.connected} */
  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Opens the subscriber connection (if lazy) and subscribes to the channel; resolves once the
   * subscription is live, and status listeners hear `true`. Idempotent: resolves at once when
   * already subscribed, and concurrent calls share one attempt.
   *
   * When it fails, the bus stays started: it subscribes by itself on the subscriber's next
   * `ready` (ioredis keeps reconnecting), and `connected` turns `true` then.
   *
   * @throws {InfrastructureError} when the subscription fails or is not answered within
   * `commandTimeoutMs`, or when the bus is closed.
   */
  async start(): Promise<void> {
    if (this.#closed) throw this.#closedError('start');
    const subscription = this.#subscribe();
    if (this.#connected) return;
    try {
      await subscription.whenLive(this.#commandTimeoutMs);
    } catch (error) {
      throw this.#wrapSubscribe(error);
    }
  }

  /**
   * {@inheritDoc InvalidationBus.publish}
   *
   * With `batchMs > 0` the returned promise settles when the batch holding `message` has been
   * sent (or has failed). Empty `delete` / `tags` messages are not sent. Publishing does not
   * need {@link RedisInvalidationBus.start}.
   */
  async publish(message: InvalidationMessage): Promise<void> {
    const normalized = normalizeMessage(message);
    if (typeof normalized === 'string') {
      this.#report(
        new ValidationError('Invalid invalidation message', [{ path: 'message', message: normalized }]),
      );
      return;
    }
    if (this.#closed) {
      this.#report(this.#closedError('publish'));
      return;
    }
    if (isEmpty(normalized)) return;
    if (this.#batcher) return this.#batcher.add(normalized);
    await this.#send([normalized]);
  }

  /** {@inheritDoc InvalidationBus.subscribe} */
  subscribe(handler: InvalidationHandler): () => void {
    checkHandler(handler, 'handler');
    return addRemovable(this.#handlers, handler);
  }

  /**
   * {@inheritDoc InvalidationBus.onStatus}
   *
   * The first `true` comes when {@link RedisInvalidationBus.start} has subscribed.
   */
  onStatus(listener: BusStatusListener): () => void {
    checkHandler(listener, 'listener');
    return addRemovable(this.#statusListeners, listener);
  }

  /**
   * Sends a pending batch (best effort, bounded by `commandTimeoutMs`), then stops: handlers
   * and status listeners are dropped (without a last `false`), `connected` turns `false`, a
   * subscriber created by the bus is closed (`QUIT`, then a hard disconnect), a subscriber
   * passed in is unsubscribed from the channel and left open. The publishing client is never
   * closed. Later publishes go to `onError`; `start` rejects. Idempotent.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    await this.#batcher?.flush();
    this.#handlers.clear();
    this.#statusListeners.clear();
    this.#connected = false;
    const subscription = this.#subscription;
    this.#subscription = undefined;
    await subscription?.close();
    await this.#unretain();
  }

  /** The bus's subscription to its channel: made once, re-subscribed by the subscriber after reconnects. */
  #subscribe(): Subscription {
    if (this.#subscription) return this.#subscription;
    const listener = {
      message: this.#handleMessage,
      up: this.#handleUp,
      down: this.#handleDown,
      error: this.#handleSubscriberError,
    };
    this.#subscription = this.#ownSubscriber
      ? this.#ownSubscriber.listen(this.#channel, listener)
      : this.#connection.subscribe(this.#channel, listener);
    return this.#subscription;
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    dispatch(this.#statusListeners, connected, (error) => this.#report(error));
  }

  /** The message in `payload`, or `undefined` (own, or malformed and reported). */
  #decode(payload: string): InvalidationMessage | undefined {
    const decoded = decodeEnvelope(payload, this.id);
    if (decoded.kind === 'message') return decoded.message;
    if (decoded.kind === 'malformed') {
      this.#report(
        new SerializationError(`Malformed invalidation bus message on ${this.#channel}: ${decoded.reason}`, {
          context: {
            op: 'receive',
            component: 'bus',
            channel: this.#channel,
            reason: 'malformed',
            bytes: Buffer.byteLength(payload),
          },
        }),
      );
    }
    return undefined;
  }

  /** Publishes each message (split if too large). Never rejects: failures go to `onError`. */
  async #send(messages: InvalidationMessage[]): Promise<void> {
    const parts = messages.flatMap(split);
    await Promise.all(parts.map((message) => this.#publishOne(message)));
  }

  async #publishOne(message: InvalidationMessage): Promise<void> {
    const payload = encodeEnvelope(this.id, message);
    try {
      await this.#connection.run(
        'publish',
        (client) => (client as Pick<Redis, 'publish'>).publish(this.#channel, payload),
        this.#publishOptions,
      );
    } catch (error) {
      this.#report(error);
    }
  }

  #wrapSubscribe(error: unknown): Error {
    if (!(error instanceof InfrastructureError))
      return error instanceof Error ? error : new Error(String(error));
    return new InfrastructureError(`Invalidation bus subscribe (${this.#channel}): ${error.message}`, {
      cause: error.cause ?? error,
      scope: error.scope,
      context: { ...error.context, op: 'subscribe', component: 'bus', channel: this.#channel },
    });
  }

  #closedError(op: string): InfrastructureError {
    return new InfrastructureError('RedisInvalidationBus is closed', {
      context: {
        op,
        component: 'bus',
        channel: this.#channel,
        target: this.#connection.target,
        reason: 'closed',
      },
    });
  }

  #report(error: unknown): void {
    safeReport(this.#onError, error);
  }
}
