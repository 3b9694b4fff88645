/**
 * Read batching of the Redis backend: while reads are in flight, the reads issued in the same
 * tick go out as one `MGET` (one write, one reply). With many reads in flight, per-command
 * syscalls dominate the cost (npm run bench, scenario 2); a read with nothing in flight is
 * sent at once, with no batching delay.
 *
 * @module
 */
import type { Redis } from 'ioredis';
import { toBytes } from './redis-values.js';

/** The read commands; `Redis` and `Cluster` both provide them. */
export type ReadCommands = Pick<Redis, 'getBuffer' | 'mgetBuffer'>;

/** Sends one read command (breaker, deadline and error mapping are the sender's). */
export type SendRead = <T>(command: (client: ReadCommands) => Promise<T>) => Promise<T>;

/** A caller of `get` waiting for its batch. */
interface GetWaiter {
  resolve: (value: Uint8Array | undefined) => void;
  reject: (error: unknown) => void;
}

/** Sends `GET`s, batching concurrent ones into `MGET`s when `batch` is on. */
export class ReadBatcher {
  readonly #send: SendRead;
  readonly #batch: boolean;
  /** Reads waiting for the end of the current tick, to be sent as one MGET. */
  #pending: { keys: string[]; waiters: GetWaiter[] } | undefined;
  /** Read commands (GET or MGET) sent and not answered yet. */
  #inFlight = 0;

  /**
   * @param send sends one command.
   * @param batch whether to batch (standalone Redis only: an MGET cannot span Cluster slots).
   */
  constructor(send: SendRead, batch: boolean) {
    this.#send = send;
    this.#batch = batch;
  }

  /** Read commands sent and not answered yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The value of `fullKey` (the key as stored in Redis), as a Uint8Array view. */
  get(fullKey: string): Promise<Uint8Array | undefined> {
    if (this.#batch && (this.#inFlight > 0 || this.#pending !== undefined)) {
      return new Promise((resolve, reject) => {
        let pending = this.#pending;
        if (pending === undefined) {
          pending = { keys: [], waiters: [] };
          this.#pending = pending;
          queueMicrotask(this.#flush);
        }
        pending.keys.push(fullKey);
        pending.waiters.push({ resolve, reject });
      });
    }
    return this.#sendGet(fullKey);
  }

  readonly #done = (): void => {
    this.#inFlight--;
  };

  #sendGet(fullKey: string): Promise<Uint8Array | undefined> {
    this.#inFlight++;
    const sent = this.#send((client) => client.getBuffer(fullKey));
    sent.then(this.#done, this.#done);
    return sent.then(toBytes);
  }

  readonly #flush = (): void => {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined) return;
    const { keys, waiters } = pending;
    if (keys.length === 1) {
      const waiter = waiters[0] as GetWaiter;
      this.#sendGet(keys[0] as string).then(waiter.resolve, waiter.reject);
      return;
    }
    this.#inFlight++;
    const sent = this.#send((client) => client.mgetBuffer(...keys));
    sent.then(this.#done, this.#done);
    sent.then(
      (values) => {
        for (let i = 0; i < waiters.length; i++)
          (waiters[i] as GetWaiter).resolve(toBytes(values[i] ?? null));
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
  };
}
