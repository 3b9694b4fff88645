/**
 * The in-process invalidation bus: several caches of one process (or the "processes" of a
 * test) kept coherent without Redis, through a {@link LocalBusHub}.
 *
 * @module
 */
import { InfrastructureError, ValidationError, type ValidationIssue } from '../errors.js';
import { addRemovable, checkHandler, dispatch, safeReport } from './listeners.js';
import { isEmpty, newBusId, normalizeMessage } from './messages.js';
import type {
  BusStatusListener,
  InvalidationBus,
  InvalidationHandler,
  InvalidationMessage,
} from './types.js';

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
