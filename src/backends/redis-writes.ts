/**
 * Write batching of the Redis backend: while writes are in flight, the `SET`s and `UNLINK`s
 * issued in the same tick go out as one pipeline (one socket write, replies in order). With many
 * writes in flight, one syscall per command was a third of the write path's CPU (npm run bench,
 * scenario 3); a write with nothing in flight or queued is sent at once, with no batching delay.
 *
 * Order is kept: once a write is queued, every later write of the backend queues behind it, and
 * a queue is sent after the writes already sent (one connection, answered in order), so
 * `set(k, v); delete(k)` issued without awaiting leaves `k` deleted.
 *
 * @module
 */
import type { ChainableCommander, Redis } from 'ioredis';

/** The commands a batch needs; `Redis` provides them (batching is off on a Cluster). */
export type WriteCommands = Pick<Redis, 'set' | 'unlink' | 'pipeline'>;

/** Sends one command through the connection (breaker, deadline and error mapping are the sender's). */
export type SendWrite = <T>(op: string, command: (client: WriteCommands) => Promise<T>) => Promise<T>;

/** One write: what it adds to a pipeline, and how it is sent alone. */
export interface WriteCommand<T> {
  /** The operation name reported on failure (`set`, `delete`). */
  readonly op: string;
  /** Sends the command alone. */
  single(client: WriteCommands): Promise<T>;
  /** Adds the command to a pipeline. */
  queue(pipeline: ChainableCommander): void;
}

interface QueuedWrite {
  command: WriteCommand<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Sends writes, pipelining concurrent ones when `batch` is on. */
export class WriteBatcher {
  readonly #send: SendWrite;
  readonly #batch: boolean;
  /** Writes waiting for the end of the current tick, to be sent as one pipeline. */
  #pending: QueuedWrite[] | undefined;
  /** Write commands or pipelines sent and not answered yet. */
  #inFlight = 0;

  /**
   * @param send sends one command.
   * @param batch whether to batch (standalone Redis only: a pipeline cannot span Cluster nodes).
   */
  constructor(send: SendWrite, batch: boolean) {
    this.#send = send;
    this.#batch = batch;
  }

  /** Write commands or pipelines sent and not answered yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Sends `command`, alone or in the pipeline of its tick. */
  write<T>(command: WriteCommand<T>): Promise<T> {
    if (this.#batch && (this.#inFlight > 0 || this.#pending !== undefined)) {
      return new Promise<T>((resolve, reject) => {
        let pending = this.#pending;
        if (pending === undefined) {
          pending = [];
          this.#pending = pending;
          queueMicrotask(this.#flush);
        }
        pending.push({ command, resolve: resolve as (value: unknown) => void, reject });
      });
    }
    return this.#single(command);
  }

  readonly #done = (): void => {
    this.#inFlight--;
  };

  #single<T>(command: WriteCommand<T>): Promise<T> {
    this.#inFlight++;
    const sent = this.#send(command.op, (client) => command.single(client));
    sent.then(this.#done, this.#done);
    return sent;
  }

  readonly #flush = (): void => {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined) return;
    if (pending.length === 1) {
      const only = pending[0] as QueuedWrite;
      this.#single(only.command).then(only.resolve, only.reject);
      return;
    }
    this.#inFlight++;
    const sent = this.#send((pending[0] as QueuedWrite).command.op, async (client) => {
      const pipeline = client.pipeline();
      for (const write of pending) write.command.queue(pipeline);
      const results = await pipeline.exec();
      if (results === null) throw new Error('pipeline was discarded');
      return results;
    });
    sent.then(this.#done, this.#done);
    sent.then(
      (results) => {
        for (let i = 0; i < pending.length; i++) {
          const write = pending[i] as QueuedWrite;
          const [error, value] = results[i] ?? [new Error('no reply in the pipeline'), undefined];
          // A refusal of one command (OOM, WRONGTYPE) is that caller's alone; it goes through the
          // sender (nothing is sent again) to get the error mapping of an unbatched write.
          if (error)
            this.#send(write.command.op, () => Promise.reject(error)).then(write.resolve, write.reject);
          else write.resolve(value);
        }
      },
      (error: unknown) => {
        for (const write of pending) write.reject(error);
      },
    );
  };
}
