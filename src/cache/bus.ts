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
  InfrastructureError,
  SerializationError,
  toError,
  ValidationError,
  type ValidationIssue,
} from '../errors.js';
import { RedisConnection, type RedisRunOptions } from '../redis/connection.js';
import type { SharedSubscriber, Subscription } from '../redis/subscriber.js';
import { isClientLike, MAX_TIMER_MS, noop } from '../redis/target.js';

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

const DEFAULT_CHANNEL = 'arc:invalidate';
const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
/** Largest number of keys in one `delete` message on the wire; more are split. */
const MAX_KEYS_PER_MESSAGE = 1000;

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
  readonly #batchMs: number;
  readonly #commandTimeoutMs: number;
  readonly #publishOptions: RedisRunOptions;
  readonly #handlers = new Set<InvalidationHandler>();
  readonly #statusListeners = new Set<BusStatusListener>();
  #subscription: Subscription | undefined;
  #connected = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #batch: Batch | undefined;

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
    this.#batchMs = options.batchMs ?? 0;
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
