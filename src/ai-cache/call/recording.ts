/**
 * A stream being received: read once from upstream, recorded (each chunk copied as it arrives,
 * before any consumer sees it), fanned out to every reader (each reading its own copies), and
 * stored once it ended cleanly with a storable answer. A consumer that stops at a complete answer
 * (the codec's `complete()`) leaves the rest to be read in the background, bounded.
 *
 * @module
 */
import { ChunkFanout, type ChunkSource, type FanoutHandle } from '../../cache/fanout.js';
import type { ResponseMeta } from '../ai-response-cache.js';
import { copyJson } from './copy.js';
import type { CallStream } from './types.js';

/** What a recording needs from its call path. */
export interface RecordingHooks<A, C> {
  /** The answer the chunks make (`undefined`: not a complete answer; without a codec `assemble`, the chunks themselves count). */
  assemble(chunks: readonly C[]): A | undefined;
  /** Whether the stream's answer holds but for its tail (usage, a terminal event). */
  complete(chunks: readonly C[]): boolean;
  /** Meta of a finished stream's answer. */
  meta(answer: A | undefined, latencyMs: number): ResponseMeta;
  /** Stores a cleanly ended stream (`undefined`: not stored); never throws. */
  store?(chunks: C[], answer: A | undefined, meta: ResponseMeta): Promise<boolean>;
  /** Bounds of the background read. */
  drain: { timeoutMs: number; maxChunks: number };
  /** Called once the stream ended and was stored or not. */
  onEnd?(): void;
}

/** A source whose chunks are copied as they are read (the SDK stream's controller kept). */
function copying<C>(source: AsyncIterable<C>): ChunkSource<C> {
  const controller = (source as ChunkSource<C>).controller;
  return {
    ...(controller ? { controller } : {}),
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]();
      return {
        next: async () => {
          const result = await iterator.next();
          return result.done ? result : { done: false, value: copyJson(result.value) };
        },
        return: async (value?: unknown) =>
          (await iterator.return?.(value)) ?? { done: true as const, value: undefined },
      };
    },
  };
}

/** A reader's stream over a fanout handle, handing out its own copy of every chunk. */
export function readerOf<C>(handle: FanoutHandle<C>): CallStream<C> {
  return {
    controller: handle.controller,
    [Symbol.asyncIterator]() {
      const iterator = handle.iterator();
      return {
        next: async () => {
          const result = await iterator.next();
          return result.done ? result : { done: false, value: copyJson(result.value) };
        },
        return: async () => (await iterator.return?.()) ?? { done: true as const, value: undefined },
      };
    },
  };
}

/** A finished stream of `chunks`, read as copies. */
export function replayOf<C>(chunks: C[]): { stream: CallStream<C>; fork: () => CallStream<C> } {
  const fanout = new ChunkFanout<C>(undefined, chunks);
  return { stream: readerOf(fanout.attach()), fork: () => readerOf(fanout.attach()) };
}

/** A stream being received (see the module documentation). */
export class Recording<A, C> {
  readonly fanout: ChunkFanout<C>;
  /** Resolves once the stream ended: whether it was stored. */
  readonly stored: Promise<boolean>;
  /** Resolves once the stream ended: the answer's meta, or `undefined` unless it ended cleanly. */
  readonly meta: Promise<ResponseMeta | undefined>;
  #meta: ResponseMeta | undefined;

  constructor(source: AsyncIterable<C>, hooks: RecordingHooks<A, C>, started: number) {
    const fanout = new ChunkFanout<C>(copying(source));
    this.fanout = fanout;
    if (hooks.store) {
      fanout.drainWith({
        shouldDrain: (chunks) => hooks.complete(chunks),
        timeoutMs: hooks.drain.timeoutMs,
        maxChunks: hooks.drain.maxChunks,
      });
    }
    this.stored = fanout.settled
      .then(async (state) => {
        if (state !== 'done') return false;
        const answer = hooks.assemble(fanout.chunks);
        const meta = hooks.meta(answer, performance.now() - started);
        this.#meta = meta;
        return hooks.store ? hooks.store(fanout.chunks, answer, meta) : false;
      })
      .catch(() => false)
      .finally(() => hooks.onEnd?.());
    fanout.holdEnd(this.stored);
    this.meta = this.stored.then(() => this.#meta);
  }

  /** A new reader from the first chunk. */
  reader(): CallStream<C> {
    return readerOf(this.fanout.attach());
  }

  /**
   * Reads the whole stream (as one more reader, so it keeps the upstream open) and returns its
   * chunks. @throws the upstream's error when the stream failed.
   */
  async readAll(): Promise<{ chunks: C[]; clean: boolean }> {
    const iterator = this.fanout.attach().iterator();
    for (;;) {
      const { done } = await iterator.next();
      if (done) break;
    }
    return { chunks: this.fanout.chunks, clean: this.fanout.state === 'done' };
  }
}
