/**
 * One subscriber connection shared by everything that listens on a Redis connection (the
 * invalidation bus, the lock's release notifications): a channel -> listeners map, one
 * `SUBSCRIBE` per channel, re-subscribed after every reconnect.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import { InfrastructureError } from '../errors.js';
import { hardClose } from './close.js';
import { Deadlines } from './deadlines.js';
import { toInfrastructureError } from './failures.js';
import { noop, sanitize } from './target.js';

/** What a listener of one channel is told. */
export interface ChannelListener {
  /** A message published on the channel. */
  message(payload: string): void;
  /** The channel is subscribed again after the subscriber connection went down (messages may have been missed). */
  up?(): void;
  /** The subscriber connection went down: messages are lost until {@link ChannelListener.up}. */
  down?(): void;
  /** A failure of the subscriber connection or of a `SUBSCRIBE` (secret-free). */
  error?(error: Error): void;
}

/** One listener's registration on a channel of a {@link SharedSubscriber}. */
export interface Subscription {
  /** Whether the channel is subscribed right now. */
  readonly live: boolean;
  /**
   * Resolves once the channel is subscribed (at once when it is); rejects when the
   * subscription fails, the subscriber connection reports an error while down, or after
   * `timeoutMs`. Opens the subscriber connection if needed.
   */
  whenLive(timeoutMs: number): Promise<void>;
  /**
   * Removes this listener (idempotent). The last listener of a channel unsubscribes it; once
   * no channel is left, a subscriber connection created by the {@link SharedSubscriber} is
   * closed at once (a new one is made for the next listener).
   */
  close(): Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

interface Channel {
  readonly listeners: Set<ChannelListener>;
  live: boolean;
  /** Connection generation of the SUBSCRIBE in flight, if any. */
  inflight: number | undefined;
  readonly waiters: Set<Waiter>;
}

/** Options of a {@link SharedSubscriber}. */
export interface SharedSubscriberOptions {
  /** Makes the subscriber connection (`client.duplicate()`), or returns the one given. */
  readonly create: () => Redis | Cluster;
  /** Whether the connection made by `create` is closed by the subscriber. */
  readonly owned: boolean;
  /** Deadlines of the connection (a new set when omitted). */
  readonly deadlines?: Deadlines;
  /** Bound of each `SUBSCRIBE` / `UNSUBSCRIBE`. */
  readonly commandTimeoutMs: number;
  /** Secret-free description of the server. */
  readonly target: string;
}

/** Longest wait, in milliseconds, for the reply to an UNSUBSCRIBE when a listener leaves. */
const UNSUBSCRIBE_GRACE_MS = 100;

/** Events of the subscriber connection that mean "down". */
const DOWN_EVENTS = ['close', 'reconnecting', 'end'] as const;

/**
 * The subscriber connection of one Redis connection, created lazily on the first
 * {@link SharedSubscriber.listen}.
 */
export class SharedSubscriber {
  readonly #options: SharedSubscriberOptions & { readonly deadlines: Deadlines };
  readonly #channels = new Map<string, Channel>();
  #client: Redis | Cluster | undefined;
  /** Bumped each time the connection goes down: a SUBSCRIBE of an older generation proves nothing. */
  #generation = 0;
  #closed = false;

  constructor(options: SharedSubscriberOptions) {
    this.#options = { ...options, deadlines: options.deadlines ?? new Deadlines() };
  }

  /** The subscriber connection, while there is one. */
  get client(): Redis | Cluster | undefined {
    return this.#client;
  }

  /** Channels with at least one listener. */
  get channels(): string[] {
    return [...this.#channels.keys()];
  }

  /**
   * Adds `listener` to `channel` and subscribes it (when the connection is ready, or as soon
   * as it is). Errors go to `listener.error`.
   */
  listen(channel: string, listener: ChannelListener): Subscription {
    if (this.#closed)
      throw new InfrastructureError('The Redis subscriber is closed', {
        context: { op: 'subscribe', channel, reason: 'closed' },
      });
    let state = this.#channels.get(channel);
    if (!state) {
      state = { listeners: new Set(), live: false, inflight: undefined, waiters: new Set() };
      this.#channels.set(channel, state);
    }
    state.listeners.add(listener);
    this.#sync(channel, state);
    const entry = state;
    let removed = false;
    return {
      get live() {
        return !removed && entry.live;
      },
      whenLive: (timeoutMs) =>
        removed ? Promise.reject(this.#closedError(channel)) : this.#whenLive(channel, entry, timeoutMs),
      close: async () => {
        if (removed) return;
        removed = true;
        await this.#remove(channel, entry, listener);
      },
    };
  }

  /** Drops every listener and closes (or, when given, unsubscribes) the connection. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const error = this.#closedError('*');
    for (const state of this.#channels.values()) this.#rejectWaiters(state, error);
    const channels = [...this.#channels.keys()];
    this.#channels.clear();
    return this.#detach(channels);
  }

  #whenLive(channel: string, state: Channel, timeoutMs: number): Promise<void> {
    if (state.live) return Promise.resolve();
    if (this.#closed) return Promise.reject(this.#closedError(channel));
    let waiter: Waiter | undefined;
    const promise = new Promise<void>((resolve, reject) => {
      waiter = { resolve, reject };
      state.waiters.add(waiter);
    });
    this.#sync(channel, state);
    return this.#options.deadlines
      .bound(
        promise,
        timeoutMs,
        () =>
          new InfrastructureError(
            `Redis subscribe (${channel}) on ${this.#options.target} timed out after ${timeoutMs} ms`,
            {
              context: {
                op: 'subscribe',
                channel,
                target: this.#options.target,
                reason: 'timeout',
                timeoutMs,
              },
            },
          ),
      )
      .finally(() => {
        if (waiter) state.waiters.delete(waiter);
      });
  }

  /** Subscribes `channel` if the connection is ready and nothing is in flight for this generation. */
  #sync(channel: string, state: Channel): void {
    if (state.live || this.#closed) return;
    const client = this.#attach();
    if (client.status === 'wait') {
      client.connect().catch(noop);
      return;
    }
    if (client.status !== 'ready') return;
    const generation = this.#generation;
    if (state.inflight === generation) return;
    state.inflight = generation;
    const { deadlines, commandTimeoutMs, target } = this.#options;
    deadlines
      .bound(
        (client as Redis).subscribe(channel),
        commandTimeoutMs,
        () =>
          new InfrastructureError(
            `Redis subscribe (${channel}) on ${target} timed out after ${commandTimeoutMs} ms`,
            {
              context: { op: 'subscribe', channel, target, reason: 'timeout', timeoutMs: commandTimeoutMs },
            },
          ),
      )
      .then(
        () => {
          if (state.inflight === generation) state.inflight = undefined;
          if (this.#channels.get(channel) !== state || generation !== this.#generation) return;
          if (client.status !== 'ready') return;
          state.live = true;
          for (const waiter of [...state.waiters]) waiter.resolve();
          for (const listener of [...state.listeners]) safely(() => listener.up?.());
        },
        (error: unknown) => {
          if (state.inflight === generation) state.inflight = undefined;
          const wrapped = toInfrastructureError(error, {
            what: 'Redis',
            op: 'subscribe',
            target,
            context: { channel },
          }) as Error;
          this.#rejectWaiters(state, wrapped);
          for (const listener of [...state.listeners]) safely(() => listener.error?.(wrapped));
        },
      );
  }

  async #remove(channel: string, state: Channel, listener: ChannelListener): Promise<void> {
    state.listeners.delete(listener);
    if (state.listeners.size > 0 || this.#channels.get(channel) !== state) return;
    this.#channels.delete(channel);
    this.#rejectWaiters(state, this.#closedError(channel));
    if (this.#channels.size === 0 && this.#options.owned) {
      await this.#detach([channel]);
      return;
    }
    const client = this.#client;
    if (client?.status === 'ready' && (state.live || state.inflight !== undefined)) {
      const unsubscribed = this.#unsubscribe(client, [channel]);
      // A given connection leaves subscriber mode with the reply: wait for it (briefly). Our
      // own connection needs no wait (a hung server must not slow a close down).
      if (!this.#options.owned) await unsubscribed;
    }
  }

  /**
   * UNSUBSCRIBE, waiting for the reply at most {@link UNSUBSCRIBE_GRACE_MS} (a given
   * connection leaves subscriber mode with the reply; on a hung server, close does not wait).
   */
  #unsubscribe(client: Redis | Cluster, channels: string[]): Promise<void> {
    const grace = Math.min(this.#options.commandTimeoutMs, UNSUBSCRIBE_GRACE_MS);
    return this.#options.deadlines
      .bound((client as Redis).unsubscribe(...channels), grace, () => new Error('timeout'))
      .then(noop, noop);
  }

  /** Creates (or adopts) the connection and installs the listeners, once. */
  #attach(): Redis | Cluster {
    if (this.#client) return this.#client;
    const client = this.#options.create();
    client.on('message', this.#onMessage);
    client.on('error', this.#onError);
    client.on('ready', this.#onReady);
    for (const event of DOWN_EVENTS) client.on(event, this.#onDown);
    this.#client = client;
    return client;
  }

  /** Removes the listeners; closes an owned connection, unsubscribes a given one from `channels`. */
  #detach(channels: string[]): Promise<void> {
    const client = this.#client;
    if (!client) return Promise.resolve();
    this.#client = undefined;
    this.#generation++;
    client.off('message', this.#onMessage);
    client.off('ready', this.#onReady);
    for (const event of DOWN_EVENTS) client.off(event, this.#onDown);
    if (this.#options.owned) {
      // The error listener stays: a late socket error must not become "Unhandled error event".
      return hardClose(client);
    }
    client.off('error', this.#onError);
    return client.status === 'ready' && channels.length > 0
      ? this.#unsubscribe(client, channels)
      : Promise.resolve();
  }

  #rejectWaiters(state: Channel, error: Error): void {
    for (const waiter of [...state.waiters]) waiter.reject(error);
    state.waiters.clear();
  }

  #closedError(channel: string): InfrastructureError {
    return new InfrastructureError('The subscription is closed', {
      context: { op: 'subscribe', channel, target: this.#options.target, reason: 'closed' },
    });
  }

  readonly #onMessage = (channel: string, payload: string): void => {
    const state = this.#channels.get(channel);
    if (!state) return;
    for (const listener of [...state.listeners]) safely(() => listener.message(payload));
  };

  readonly #onReady = (): void => {
    for (const [channel, state] of this.#channels) this.#sync(channel, state);
  };

  readonly #onDown = (): void => {
    this.#generation++;
    for (const state of this.#channels.values()) {
      state.inflight = undefined;
      if (!state.live) continue;
      state.live = false;
      for (const listener of [...state.listeners]) safely(() => listener.down?.());
    }
  };

  readonly #onError = (error: unknown): void => {
    const clean = sanitize(error);
    const wrapped = new InfrastructureError(
      `Redis subscriber error (${this.#options.target}): ${clean.message}`,
      {
        cause: clean,
        context: { op: 'subscribe', target: this.#options.target },
      },
    );
    const ready = this.#client?.status === 'ready';
    for (const state of this.#channels.values()) {
      // While down, a wait for the subscription fails fast instead of running out its deadline.
      if (!ready) this.#rejectWaiters(state, wrapped);
      for (const listener of [...state.listeners]) safely(() => listener.error?.(wrapped));
    }
  };
}

/** Runs a listener callback; what it throws is dropped (it must not break the connection). */
function safely(callback: () => void): void {
  try {
    callback();
  } catch {
    // Listeners report their own failures.
  }
}
