/**
 * Streams handed to callers: instances of the SDK's own `Stream` class (so `for await`,
 * `controller.abort()`, `tee()` and `toReadableStream()` behave as usual, and `MessageStream`
 * can read them), over the call path's iterable of events.
 *
 * @module
 */

/** The constructor of the SDK's `Stream` (`new Stream(iterator, controller, client?)`). */
export type StreamClass = new (
  iterator: () => AsyncIterator<unknown>,
  controller: AbortController,
  client?: never,
) => AsyncIterable<unknown> & { controller: AbortController };

/** Stand-in used only when the SDK's `Stream` cannot be loaded (a client that is not the SDK's). */
class FallbackStream implements AsyncIterable<unknown> {
  readonly #iterator: () => AsyncIterator<unknown>;
  constructor(
    iterator: () => AsyncIterator<unknown>,
    readonly controller: AbortController,
  ) {
    this.#iterator = iterator;
  }
  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return this.#iterator();
  }
}

let loaded: Promise<StreamClass> | undefined;

/** The `Stream` class of the installed `@anthropic-ai/sdk` (loaded lazily, once). */
export function loadStreamClass(): Promise<StreamClass> {
  loaded ??= import('@anthropic-ai/sdk/core/streaming')
    .catch(() => import('@anthropic-ai/sdk/streaming'))
    .then(
      (module) => module.Stream as unknown as StreamClass,
      () => FallbackStream as unknown as StreamClass,
    );
  return loaded;
}

/** The class of a stream returned by the client (`undefined` when it is not a class instance). */
export function classOf(stream: unknown): StreamClass | undefined {
  const ctor = (stream as { constructor?: unknown } | null)?.constructor;
  return typeof ctor === 'function' && ctor !== Object ? (ctor as StreamClass) : undefined;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * A `Stream` of `Class` over `source` (the call path's stream of this caller): reading it reads
 * `source`; aborting its controller (or `signal`, the caller's) ends it and aborts `source`'s
 * controller, which detaches this reader (the upstream stops when no reader is left), like the
 * SDK's own streams end on abort.
 */
export function streamOver(
  Class: StreamClass,
  source: AsyncIterable<unknown> & { readonly controller?: AbortController },
  signal?: AbortSignal | null,
): AsyncIterable<unknown> & { controller: AbortController } {
  const controller = new AbortController();
  controller.signal.addEventListener('abort', () => source.controller?.abort(), { once: true });
  if (signal) {
    if (signal.aborted) controller.abort();
    else signal.addEventListener('abort', () => controller.abort(), { once: true });
  }
  const iterator = (): AsyncIterator<unknown> => {
    const inner = source[Symbol.asyncIterator]();
    let finished = false;
    const aborted = new Promise<'aborted'>((resolve) => {
      if (controller.signal.aborted) resolve('aborted');
      else controller.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    const release = async (): Promise<IteratorReturnResult<undefined>> => {
      if (!finished) {
        finished = true;
        await inner.return?.();
      }
      return DONE;
    };
    return {
      next: async () => {
        if (finished) return DONE;
        if (controller.signal.aborted) return release();
        const result = await Promise.race([inner.next(), aborted]);
        if (result === 'aborted') return release();
        if (result.done) finished = true;
        return result;
      },
      return: release,
    };
  };
  return new Class(iterator, controller);
}
