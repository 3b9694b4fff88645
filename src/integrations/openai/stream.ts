/**
 * Streams handed to callers: instances of the client's own `Stream` class (so `for await`,
 * `controller.abort()`, `tee()` and `toReadableStream()` behave as usual), built over a reader
 * of the call path; and the SSE bytes of a stream, for synthesized `Response`s.
 *
 * @module
 */
import type { CallStream } from '../../index.js';
import type { Endpoint } from './types.js';

/** The constructor of openai's `Stream` (`new Stream(iterator, controller, client?)`). */
export type StreamClass = new (
  iterator: () => AsyncIterator<unknown>,
  controller: AbortController,
  client?: never,
) => AsyncIterable<unknown> & { controller: AbortController };

/** Minimal stand-in used only when the `openai` package cannot be loaded (a non-openai client). */
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
  /** Newline-separated JSON, like the SDK's `Stream.toReadableStream()`. */
  toReadableStream(): ReadableStream<Uint8Array> {
    return lineStream(this.#iterator(), (item) => `${JSON.stringify(item)}\n`);
  }
}

let loaded: Promise<StreamClass> | undefined;

/** The `Stream` class of the installed `openai` package (loaded lazily, once). */
export function loadStreamClass(): Promise<StreamClass> {
  loaded ??= import('openai/streaming').then(
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

/** A byte stream of `iterator`'s items, each encoded by `encode`, pulled only when read. */
function lineStream(
  iterator: AsyncIterator<unknown>,
  encode: (item: unknown) => string,
  trailer = '',
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await iterator.next();
        if (!done) return controller.enqueue(encoder.encode(encode(value)));
        if (trailer) controller.enqueue(encoder.encode(trailer));
        controller.close();
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** The server-sent-event encoding of a stream of `endpoint` (what the API sends). */
export function sseBody(endpoint: Endpoint, open: () => CallStream<unknown>): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<unknown> | undefined;
  const lazy: AsyncIterator<unknown> = {
    // Attach on the first read only: an unread body must not hold the upstream open.
    next: () => {
      iterator ??= open()[Symbol.asyncIterator]();
      return iterator.next();
    },
    return: async () => (await iterator?.return?.()) ?? { done: true, value: undefined },
  };
  if (endpoint === 'responses') {
    return lineStream(lazy, (event) => {
      const type = (event as { type?: unknown } | null)?.type;
      return `event: ${String(type)}\ndata: ${JSON.stringify(event)}\n\n`;
    });
  }
  return lineStream(lazy, (chunk) => `data: ${JSON.stringify(chunk)}\n\n`, 'data: [DONE]\n\n');
}
