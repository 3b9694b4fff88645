/**
 * `ChunkFanout`: one upstream stream read once and delivered to several readers, each from the
 * first chunk (late readers get the chunks so far, then the live ones). Reading is driven by the
 * fastest reader, so chunks reach it as they arrive (nothing is buffered ahead of it) and an
 * unread stream is not read at all, as with the SDK's own `Stream`.
 *
 * @module
 */

/** Where the upstream stream stands. */
export type FanoutState = 'open' | 'done' | 'failed' | 'aborted';

/** The upstream side: the client's `Stream` (an async iterable with an abort controller). */
export interface ChunkSource<C> extends AsyncIterable<C> {
  controller?: AbortController;
}

/** One reader's handle: an iterator factory usable once, and the controller that detaches it. */
export interface FanoutHandle<C> {
  readonly controller: AbortController;
  /** The reader's iterator; a second call throws, as iterating a consumed SDK stream does. */
  iterator(): AsyncIterator<C>;
}

const DONE = { done: true, value: undefined } as const;

/** When the last reader leaves an open stream: whether to read its rest in the background. */
export interface DrainPolicy<C> {
  /** Whether the chunks so far show the answer is complete but for its tail (e.g. a finish reason). */
  shouldDrain(chunks: readonly C[]): boolean;
  /** The longest background read before the upstream is aborted. */
  timeoutMs: number;
  /** The most chunks read in all before the upstream is aborted. */
  maxChunks: number;
}

/**
 * Fans out one stream. The upstream is aborted when every handle has been released (finished,
 * returned or aborted) before it ended; it is never stored then.
 */
export class ChunkFanout<C = unknown> {
  /** Every chunk received so far, in order. */
  readonly chunks: C[];
  /** Resolves with the final state once the upstream ended, failed or was aborted. */
  readonly settled: Promise<FanoutState>;
  readonly #source: ChunkSource<C> | undefined;
  #iterator: AsyncIterator<C> | undefined;
  #state: FanoutState;
  #error: unknown;
  #pulling: Promise<void> | undefined;
  #handles = 0;
  #settle: (state: FanoutState) => void = () => {};
  #endHold: Promise<unknown> = Promise.resolve();
  #drain: DrainPolicy<C> | undefined;

  /** `source` is the upstream; without one the fanout is a finished replay of `chunks`. */
  constructor(source: ChunkSource<C> | undefined, chunks: C[] = []) {
    this.#source = source;
    this.chunks = chunks;
    this.#state = source ? 'open' : 'done';
    this.settled = source ? new Promise((resolve) => (this.#settle = resolve)) : Promise.resolve('done');
  }

  /**
   * Readers see the end of a cleanly ended stream only once `hold` settles (the answer is stored
   * then, so a call made after a stream was read to its end finds it in the cache).
   */
  holdEnd(hold: Promise<unknown>): void {
    this.#endHold = hold.catch(() => {});
  }

  /**
   * With `policy`, a stream whose last reader left once `policy.shouldDrain` holds is read to its
   * end in the background (bounded by `timeoutMs` and `maxChunks`) instead of being aborted.
   */
  drainWith(policy: DrainPolicy<C>): void {
    this.#drain = policy;
  }

  /** The current state. */
  get state(): FanoutState {
    return this.#state;
  }

  /** A new reader starting at the first chunk. It holds the upstream open until released. */
  attach(): FanoutHandle<C> {
    const controller = new AbortController();
    let attached = true;
    let used = false;
    let index = 0;
    this.#handles++;
    const release = (): void => {
      if (!attached) return;
      attached = false;
      controller.signal.removeEventListener('abort', release);
      this.#release();
    };
    controller.signal.addEventListener('abort', release, { once: true });
    const aborted = new Promise<void>((resolve) =>
      controller.signal.addEventListener('abort', () => resolve()),
    );
    const next = async (): Promise<IteratorResult<C>> => {
      for (;;) {
        if (!attached) return DONE;
        if (index < this.chunks.length) return { done: false, value: this.chunks[index++] as C };
        if (this.#state !== 'open') {
          if (this.#state === 'done') await this.#endHold;
          release();
          if (this.#state === 'failed') throw this.#error;
          return DONE;
        }
        await Promise.race([this.#pull(), aborted]);
      }
    };
    return {
      controller,
      iterator: () => {
        if (used) throw new Error('Cannot iterate over a consumed stream, use `.tee()` to split the stream.');
        used = true;
        return {
          next,
          return: async () => {
            release();
            return DONE;
          },
        };
      },
    };
  }

  #pull(): Promise<void> {
    this.#pulling ??= this.#read().finally(() => {
      this.#pulling = undefined;
    });
    return this.#pulling;
  }

  async #read(): Promise<void> {
    if (this.#state !== 'open' || !this.#source) return;
    try {
      this.#iterator ??= this.#source[Symbol.asyncIterator]();
      const result = await this.#iterator.next();
      if (this.#state !== 'open') return;
      if (!result.done) {
        this.chunks.push(result.value);
        return;
      }
      // The SDK ends an aborted stream silently: an abort is not a clean end.
      this.#finish(this.#source.controller?.signal.aborted ? 'aborted' : 'done');
    } catch (error) {
      if (this.#state !== 'open') return;
      this.#error = error;
      this.#finish('failed');
    }
  }

  #finish(state: FanoutState): void {
    this.#state = state;
    this.#settle(state);
  }

  #release(): void {
    this.#handles--;
    if (this.#handles > 0 || this.#state !== 'open') return;
    const drain = this.#drain;
    let wanted = false;
    try {
      wanted = drain?.shouldDrain(this.chunks) === true;
    } catch {
      wanted = false;
    }
    if (drain && wanted) {
      void this.#drainInBackground(drain);
      return;
    }
    this.#abort();
  }

  async #drainInBackground(policy: DrainPolicy<C>): Promise<void> {
    const timer = setTimeout(() => {
      if (this.#state === 'open') this.#abort();
    }, policy.timeoutMs);
    (timer as { unref?: () => void }).unref?.();
    try {
      // A reader attaching meanwhile drives the reads itself (and drains again when it leaves).
      while (this.#state === 'open' && this.#handles === 0) {
        if (this.chunks.length >= policy.maxChunks) {
          this.#abort();
          break;
        }
        await this.#pull();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #abort(): void {
    this.#finish('aborted');
    this.#source?.controller?.abort();
    this.#iterator?.return?.().catch(() => {});
  }
}
