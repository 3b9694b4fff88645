/**
 * The L1 invalidation bus: with several processes sharing one Redis, each with its own L1, a
 * write, delete, clear or tag invalidation in one process drops the stale L1 copies in every
 * other process. The bus carries keys (never values) over Redis pub/sub
 * ({@link RedisInvalidationBus}), or in process between several caches
 * ({@link LocalInvalidationBus}, also handy in tests).
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import {
  closeOwnedClient,
  describeTarget,
  isClientLike,
  MAX_TIMER_MS,
  sanitize,
  within,
} from '../backends/redis-client.js';
import {
  CacheError,
  InfrastructureError,
  SerializationError,
  toError,
  ValidationError,
  type ValidationIssue,
} from '../errors.js';

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
  /** Starts receiving (subscribes); idempotent. The cache calls it from `connect()`. */
  start?(): Promise<void>;
  /** Stops receiving and releases what the bus owns. Idempotent. */
  close(): Promise<void>;
}

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
   * @default `client.duplicate()`, created by {@link RedisInvalidationBus.start} and closed by
   * {@link RedisInvalidationBus.close}
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

const DEFAULT_CHANNEL = 'arc:invalidate';
const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
/** Largest number of keys in one `delete` message on the wire; more are split. */
const MAX_KEYS_PER_MESSAGE = 1000;

const noop = (): void => {};

/** A stable random id: 12 random bytes in base64url (16 characters). */
function newBusId(): string {
  return randomBytes(12).toString('base64url');
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '');
}

/**
 * A frozen copy of `value` holding only the fields of an {@link InvalidationMessage}, or the
 * reason why `value` is not one.
 */
function normalizeMessage(value: unknown): InvalidationMessage | string {
  if (typeof value !== 'object' || value === null) return 'expected an object';
  const { type } = value as { type?: unknown };
  switch (type) {
    case 'delete': {
      const { keys } = value as { keys?: unknown };
      if (!isStringArray(keys)) return 'delete: expected keys to be an array of non-empty strings';
      return Object.freeze({ type, keys: Object.freeze([...keys]) as string[] });
    }
    case 'clear': {
      const { prefix } = value as { prefix?: unknown };
      if (typeof prefix !== 'string') return 'clear: expected prefix to be a string';
      return Object.freeze({ type, prefix });
    }
    case 'tags': {
      const { tags, at } = value as { tags?: unknown; at?: unknown };
      if (!isStringArray(tags)) return 'tags: expected tags to be an array of non-empty strings';
      if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) {
        return 'tags: expected at to be a finite epoch time in milliseconds >= 0';
      }
      return Object.freeze({ type, tags: Object.freeze([...tags]) as string[], at });
    }
    default:
      return `unknown message type ${JSON.stringify(String(type))}`;
  }
}

/** Whether the message invalidates nothing (no keys or no tags). */
function isEmpty(message: InvalidationMessage): boolean {
  return (
    (message.type === 'delete' && message.keys.length === 0) ||
    (message.type === 'tags' && message.tags.length === 0)
  );
}

/** `message`, with a `delete` split into messages of at most {@link MAX_KEYS_PER_MESSAGE} keys. */
function split(message: InvalidationMessage): InvalidationMessage[] {
  if (message.type !== 'delete' || message.keys.length <= MAX_KEYS_PER_MESSAGE) return [message];
  const parts: InvalidationMessage[] = [];
  for (let i = 0; i < message.keys.length; i += MAX_KEYS_PER_MESSAGE) {
    parts.push({ type: 'delete', keys: message.keys.slice(i, i + MAX_KEYS_PER_MESSAGE) });
  }
  return parts;
}

/** Calls `listener(arg)` for each listener of a snapshot of `listeners`; throws go to `report`. */
function dispatch<T>(listeners: Set<(arg: T) => void>, arg: T, report: (error: unknown) => void): void {
  for (const listener of [...listeners]) {
    try {
      listener(arg);
    } catch (error) {
      report(error);
    }
  }
}

/**
 * Adds `listener` to `set` (a listener added twice is called twice); the returned function
 * removes this registration only (idempotent).
 */
function addRemovable<T>(set: Set<(arg: T) => void>, listener: (arg: T) => void): () => void {
  const registration = (arg: T): void => listener(arg);
  set.add(registration);
  return () => {
    set.delete(registration);
  };
}

/** Calls `onError`, swallowing what it throws. */
function safeReport(onError: ((error: Error) => void) | undefined, error: unknown): void {
  if (!onError) return;
  try {
    onError(toError(error));
  } catch {
    // A failing error handler must not break the bus.
  }
}

function checkHandler(value: unknown, what: string): void {
  if (typeof value !== 'function') {
    throw new ValidationError(`Invalid ${what} argument`, [{ path: what, message: 'expected a function' }]);
  }
}

function validateOptions(options: RedisInvalidationBusOptions): void {
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

/** Publishes waiting for the end of the coalescing window. */
interface Batch {
  readonly deletes: Set<string>;
  readonly clears: Set<string>;
  /** Tags per invalidation time. */
  readonly tags: Map<number, Set<string>>;
  readonly timer: NodeJS.Timeout;
  readonly done: Promise<void>;
  readonly resolve: () => void;
}

/** One subscription attempt, for one connection generation. */
interface Attempt {
  readonly generation: number;
  readonly promise: Promise<void>;
}

/**
 * An {@link InvalidationBus} over Redis pub/sub (standalone, sentinel, or a Cluster client).
 *
 * - **Wire format**: compact JSON `{"s":"<sender id>","m":<message>}` on `channel`; messages
 *   carry keys, never values. Messages from the bus's own `id` are ignored; malformed ones are
 *   ignored and reported to `onError` as a {@link SerializationError}.
 * - **Publishing** uses `client` and never rejects. While the client is disconnected its own
 *   queueing policy applies (ioredis' offline queue, `maxRetriesPerRequest`); a publish not
 *   answered within `commandTimeoutMs` is reported to `onError`, but may still be delivered
 *   once the client reconnects — harmless, since messages only ever drop L1 entries.
 * - **Subscribing** uses one dedicated connection, from {@link RedisInvalidationBus.start}.
 *   `connected` turns `false` (and status listeners hear `false`) on the subscriber's `close`,
 *   `reconnecting` or `end`; ioredis re-subscribes after a reconnect (`autoResubscribe`), and
 *   the bus subscribes again on every `ready` too (so it works with `autoResubscribe: false`),
 *   turning `connected` back to `true` (listeners hear `true`) once that `SUBSCRIBE` is
 *   answered. Messages published meanwhile are lost: that `true` tells the receiver to drop its
 *   L1.
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

  readonly #client: Redis | Cluster;
  readonly #givenSubscriber: Redis | Cluster | undefined;
  readonly #channel: string;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #batchMs: number;
  readonly #commandTimeoutMs: number;
  readonly #target: string;
  readonly #handlers = new Set<InvalidationHandler>();
  readonly #statusListeners = new Set<BusStatusListener>();
  #subscriber: Redis | Cluster | undefined;
  #attempt: Attempt | undefined;
  /** Bumped each time the subscriber goes down: an attempt of an older generation proves nothing. */
  #generation = 0;
  #connected = false;
  #started = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #batch: Batch | undefined;

  readonly #handleMessage = (channel: string, payload: string): void => {
    if (channel !== this.#channel || this.#closed) return;
    const decoded = this.#decode(payload);
    if (decoded === undefined) return;
    dispatch(this.#handlers, decoded, (error) => this.#report(error));
  };

  readonly #handleDown = (): void => {
    if (this.#closed) return;
    this.#generation++;
    this.#setConnected(false);
  };

  readonly #handleReady = (): void => {
    if (!this.#started || this.#closed) return;
    // The first 'ready' of a connection opened by start() belongs to start()'s own attempt.
    if (this.#attempt?.generation === this.#generation) return;
    // After a reconnect: ioredis' autoResubscribe has already sent SUBSCRIBE (unless disabled);
    // ours is answered after it, and proves the subscription live.
    this.#subscribeAttempt().catch((error: unknown) => this.#report(this.#wrap('subscribe', error)));
  };

  readonly #handleSubscriberError = (error: unknown): void => {
    const clean = sanitize(error);
    this.#report(
      new InfrastructureError(`Invalidation bus subscriber error (${this.#target}): ${clean.message}`, {
        cause: clean,
        context: { op: 'subscribe', component: 'bus', channel: this.#channel, target: this.#target },
      }),
    );
  };

  /**
   * @throws {ValidationError} for invalid options (every problem listed).
   */
  constructor(options: RedisInvalidationBusOptions) {
    validateOptions(options);
    this.#client = options.client;
    this.#givenSubscriber = options.subscriber;
    this.#channel = options.channel ?? DEFAULT_CHANNEL;
    this.#onError = options.onError;
    this.#batchMs = options.batchMs ?? 0;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.#target = describeTarget(this.#client);
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
    this.#started = true;
    this.#attach();
    if (this.#connected) return;
    let settled: boolean;
    try {
      settled = await within(this.#subscribeAttempt(), this.#commandTimeoutMs);
    } catch (error) {
      throw this.#wrap('subscribe', error);
    }
    if (!settled) {
      throw new InfrastructureError(
        `Invalidation bus subscribe (${this.#channel}) on ${this.#target} timed out after ${this.#commandTimeoutMs} ms`,
        {
          context: {
            op: 'subscribe',
            component: 'bus',
            channel: this.#channel,
            target: this.#target,
            reason: 'timeout',
            timeoutMs: this.#commandTimeoutMs,
          },
        },
      );
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
    if (this.#batchMs > 0) return this.#enqueue(normalized);
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
    if (this.#batch) await this.#flush();
    this.#handlers.clear();
    this.#statusListeners.clear();
    this.#connected = false;
    const subscriber = this.#subscriber;
    if (!subscriber) return;
    subscriber.off('message', this.#handleMessage);
    subscriber.off('ready', this.#handleReady);
    for (const event of ['close', 'reconnecting', 'end']) subscriber.off(event, this.#handleDown);
    if (subscriber === this.#givenSubscriber) {
      subscriber.off('error', this.#handleSubscriberError);
      if (subscriber.status === 'ready') {
        await within((subscriber as Redis).unsubscribe(this.#channel), this.#commandTimeoutMs).catch(noop);
      }
      return;
    }
    // Owned: the error listener stays, so that a late socket error is not "Unhandled".
    await closeOwnedClient(subscriber, this.#commandTimeoutMs).catch(noop);
  }

  /** Creates (or adopts) the subscriber connection and installs the listeners, once. */
  #attach(): Redis | Cluster {
    if (this.#subscriber) return this.#subscriber;
    const subscriber = this.#givenSubscriber ?? this.#client.duplicate();
    subscriber.on('message', this.#handleMessage);
    subscriber.on('error', this.#handleSubscriberError);
    subscriber.on('ready', this.#handleReady);
    for (const event of ['close', 'reconnecting', 'end']) subscriber.on(event, this.#handleDown);
    this.#subscriber = subscriber;
    return subscriber;
  }

  /**
   * Subscribes for the current connection generation (one attempt per generation). A success
   * turns `connected` on only if the connection did not go down meanwhile — even if it comes
   * after `start` gave up waiting.
   */
  #subscribeAttempt(): Promise<void> {
    const generation = this.#generation;
    const current = this.#attempt;
    if (current && current.generation === generation) return current.promise;
    const subscriber = this.#attach();
    const promise = (async () => {
      // A lazy connection without an offline queue would reject SUBSCRIBE before connecting.
      if (subscriber.status === 'wait') await subscriber.connect();
      await (subscriber as Redis).subscribe(this.#channel);
    })();
    const attempt: Attempt = { generation, promise };
    this.#attempt = attempt;
    const forget = (): void => {
      if (this.#attempt === attempt) this.#attempt = undefined;
    };
    promise.then(() => {
      forget();
      if (!this.#closed && generation === this.#generation && subscriber.status === 'ready') {
        this.#setConnected(true);
      }
    }, forget);
    return promise;
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    dispatch(this.#statusListeners, connected, (error) => this.#report(error));
  }

  /** The message in `payload`, or `undefined` (own, or malformed and reported). */
  #decode(payload: string): InvalidationMessage | undefined {
    let reason: string;
    try {
      const envelope: unknown = JSON.parse(payload);
      if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
        reason = 'expected a JSON object';
      } else {
        const { s: sender, m: message } = envelope as { s?: unknown; m?: unknown };
        if (typeof sender !== 'string' || sender === '') {
          reason = 'expected "s" to be the sender id';
        } else {
          if (sender === this.id) return undefined;
          const normalized = normalizeMessage(message);
          if (typeof normalized !== 'string') return normalized;
          reason = normalized;
        }
      }
    } catch {
      reason = 'not JSON';
    }
    this.#report(
      new SerializationError(`Malformed invalidation bus message on ${this.#channel}: ${reason}`, {
        context: {
          op: 'receive',
          component: 'bus',
          channel: this.#channel,
          reason: 'malformed',
          bytes: Buffer.byteLength(payload),
        },
      }),
    );
    return undefined;
  }

  /** Adds `message` to the current batch (opening one); resolves when that batch is sent. */
  #enqueue(message: InvalidationMessage): Promise<void> {
    let batch = this.#batch;
    if (!batch) {
      let resolve = noop;
      const done = new Promise<void>((r) => {
        resolve = r;
      });
      const timer = setTimeout(() => void this.#flush(), this.#batchMs);
      batch = { deletes: new Set(), clears: new Set(), tags: new Map(), timer, done, resolve };
      this.#batch = batch;
    }
    switch (message.type) {
      case 'delete':
        for (const key of message.keys) batch.deletes.add(key);
        break;
      case 'clear':
        batch.clears.add(message.prefix);
        break;
      case 'tags': {
        let tags = batch.tags.get(message.at);
        if (!tags) {
          tags = new Set();
          batch.tags.set(message.at, tags);
        }
        for (const tag of message.tags) tags.add(tag);
        break;
      }
    }
    const { done } = batch;
    // A full delete message needs no more waiting.
    if (batch.deletes.size >= MAX_KEYS_PER_MESSAGE) void this.#flush();
    return done;
  }

  /** Sends the current batch, if any. Never rejects. */
  async #flush(): Promise<void> {
    const batch = this.#batch;
    if (!batch) return;
    this.#batch = undefined;
    clearTimeout(batch.timer);
    const messages: InvalidationMessage[] = [];
    for (const prefix of batch.clears) messages.push({ type: 'clear', prefix });
    for (const [at, tags] of batch.tags) messages.push({ type: 'tags', tags: [...tags], at });
    if (batch.deletes.size > 0) messages.push({ type: 'delete', keys: [...batch.deletes] });
    await this.#send(messages);
    batch.resolve();
  }

  /** Publishes each message (split if too large). Never rejects: failures go to `onError`. */
  async #send(messages: InvalidationMessage[]): Promise<void> {
    const parts = messages.flatMap(split);
    await Promise.all(parts.map((message) => this.#publishOne(message)));
  }

  async #publishOne(message: InvalidationMessage): Promise<void> {
    const payload = JSON.stringify({ s: this.id, m: message });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new InfrastructureError(
            `Invalidation bus publish (${this.#channel}) on ${this.#target} timed out after ${this.#commandTimeoutMs} ms`,
            {
              context: {
                op: 'publish',
                component: 'bus',
                channel: this.#channel,
                target: this.#target,
                reason: 'timeout',
                timeoutMs: this.#commandTimeoutMs,
              },
            },
          ),
        );
      }, this.#commandTimeoutMs);
    });
    try {
      const pending = (this.#client as Pick<Redis, 'publish'>).publish(this.#channel, payload);
      // It may still settle after the timeout won the race.
      pending.catch(noop);
      await Promise.race([pending, timeout]);
    } catch (error) {
      this.#report(this.#wrap('publish', error));
    } finally {
      clearTimeout(timer);
    }
  }

  #wrap(op: string, error: unknown): CacheError {
    if (error instanceof CacheError) return error;
    const clean = sanitize(error);
    return new InfrastructureError(
      `Invalidation bus ${op} (${this.#channel}) failed on ${this.#target}: ${clean.message}`,
      {
        cause: clean,
        context: { op, component: 'bus', channel: this.#channel, target: this.#target, reason: 'command' },
      },
    );
  }

  #closedError(op: string): InfrastructureError {
    return new InfrastructureError('RedisInvalidationBus is closed', {
      context: { op, component: 'bus', channel: this.#channel, target: this.#target, reason: 'closed' },
    });
  }

  #report(error: unknown): void {
    safeReport(this.#onError, error);
  }
}

/** Members of a {@link LocalBusHub}, by hub (kept out of the public API). */
const hubMembers = new WeakMap<LocalBusHub, Set<LocalMember>>();

/** How a hub reaches one {@link LocalInvalidationBus}. */
interface LocalMember {
  readonly id: string;
  /** Delivers a message from another member (dropped while that bus is disconnected). */
  receive(message: InvalidationMessage): void;
}

/** Options of {@link LocalInvalidationBus}. */
export interface LocalInvalidationBusOptions {
  /**
   * The hub connecting this bus to others; messages go to every other bus of the same hub.
   * @default a new hub of its own (the bus then reaches nobody)
   */
  hub?: LocalBusHub;
  /**
   * Receives invalid messages given to `publish` ({@link ValidationError}), publishes while
   * disconnected or closed ({@link InfrastructureError}), and errors thrown by handlers and
   * status listeners (as thrown). Errors thrown by `onError` itself are ignored.
   * @default undefined (failures are dropped silently)
   */
  onError?: (error: Error) => void;
}

/** Connects {@link LocalInvalidationBus}es of one process: create it with {@link createLocalBusHub}. */
export interface LocalBusHub {
  /** A new bus on this hub (`new LocalInvalidationBus({ ...options, hub: this })`). */
  createBus(options?: Omit<LocalInvalidationBusOptions, 'hub'>): LocalInvalidationBus;
  /** Number of open buses on this hub. */
  readonly size: number;
}

/**
 * A hub for {@link LocalInvalidationBus}es: several caches in one process (or the processes
 * of a test) stay coherent without Redis. Each bus delivers to every other bus of the hub,
 * never to itself.
 *
 * @example
 * const hub = createLocalBusHub();
 * const a = createCache({ l1: {}, backend, bus: hub.createBus() });
 * const b = createCache({ l1: {}, backend, bus: hub.createBus() });
 */
export function createLocalBusHub(): LocalBusHub {
  const members = new Set<LocalMember>();
  const hub: LocalBusHub = {
    createBus: (options = {}) => new LocalInvalidationBus({ ...options, hub }),
    get size() {
      return members.size;
    },
  };
  hubMembers.set(hub, members);
  return hub;
}

/**
 * An in-process {@link InvalidationBus}: delivers to the other buses of its
 * {@link LocalBusHub}. Connected from construction; {@link LocalInvalidationBus.setConnected}
 * simulates an outage (while down, the bus neither sends nor receives, like a Redis bus whose
 * connection dropped).
 *
 * Delivery is asynchronous but complete when `publish` resolves: after
 * `await a.publish(message)` every connected bus of the hub has called its handlers. Each
 * receiver gets a frozen copy holding only the message's fields.
 */
export class LocalInvalidationBus implements InvalidationBus {
  /** {@inheritDoc InvalidationBus.id} */
  readonly id: string = newBusId();

  readonly #members: Set<LocalMember>;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #handlers = new Set<InvalidationHandler>();
  readonly #statusListeners = new Set<BusStatusListener>();
  readonly #member: LocalMember;
  #connected = true;
  #closed = false;

  /**
   * @throws {ValidationError} for an unknown hub or a non-function `onError`.
   */
  constructor(options: LocalInvalidationBusOptions = {}) {
    const issues: ValidationIssue[] = [];
    const hub = options.hub ?? createLocalBusHub();
    const members = hubMembers.get(hub);
    if (!members) issues.push({ path: 'hub', message: 'expected a hub made by createLocalBusHub()' });
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      issues.push({ path: 'onError', message: 'expected a function' });
    }
    if (!members || issues.length > 0)
      throw new ValidationError('Invalid LocalInvalidationBus options', issues);
    this.#members = members;
    this.#onError = options.onError;
    this.#member = {
      id: this.id,
      receive: (message) => {
        if (this.#closed || !this.#connected) return;
        dispatch(this.#handlers, message, (error) => this.#report(error));
      },
    };
    members.add(this.#member);
  }

  /** {@inheritDoc InvalidationBus.connected} */
  get connected(): boolean {
    return this.#connected;
  }

  /** Nothing to do (the bus is live from construction); present for symmetry with Redis. */
  async start(): Promise<void> {
    if (this.#closed) {
      throw new InfrastructureError('LocalInvalidationBus is closed', {
        context: { op: 'start', component: 'bus', reason: 'closed' },
      });
    }
  }

  /**
   * Simulates the subscription going down (`false`) or coming back (`true`); status listeners
   * hear each change. Messages published to or by this bus while down are lost.
   */
  setConnected(connected: boolean): void {
    if (this.#closed || this.#connected === connected) return;
    this.#connected = connected;
    dispatch(this.#statusListeners, connected, (error) => this.#report(error));
  }

  /** {@inheritDoc InvalidationBus.publish} */
  async publish(message: InvalidationMessage): Promise<void> {
    const normalized = normalizeMessage(message);
    if (typeof normalized === 'string') {
      this.#report(
        new ValidationError('Invalid invalidation message', [{ path: 'message', message: normalized }]),
      );
      return;
    }
    if (this.#closed || !this.#connected) {
      const reason = this.#closed ? 'closed' : 'disconnected';
      this.#report(
        new InfrastructureError(`LocalInvalidationBus is ${reason}: message dropped`, {
          context: { op: 'publish', component: 'bus', reason },
        }),
      );
      return;
    }
    if (isEmpty(normalized)) return;
    // Asynchronous like a real transport, and complete when the returned promise settles.
    await Promise.resolve();
    for (const member of [...this.#members]) {
      if (member.id !== this.id) member.receive(normalized);
    }
  }

  /** {@inheritDoc InvalidationBus.subscribe} */
  subscribe(handler: InvalidationHandler): () => void {
    checkHandler(handler, 'handler');
    return addRemovable(this.#handlers, handler);
  }

  /** {@inheritDoc InvalidationBus.onStatus} */
  onStatus(listener: BusStatusListener): () => void {
    checkHandler(listener, 'listener');
    return addRemovable(this.#statusListeners, listener);
  }

  /**
   * Leaves the hub; handlers and status listeners are dropped (without a last `false`), and
   * later publishes go to `onError`. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connected = false;
    this.#members.delete(this.#member);
    this.#handlers.clear();
    this.#statusListeners.clear();
  }

  #report(error: unknown): void {
    safeReport(this.#onError, error);
  }
}
