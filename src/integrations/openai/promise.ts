/**
 * The promise returned by wrapped `create` calls: awaitable like the SDK's `APIPromise`, with
 * `withResponse()` and `asResponse()`.
 *
 * On a miss, the `Response` is the upstream one (for JSON answers a clone whose body is still
 * unread; for streams a `Response` whose body re-encodes the chunks as server-sent events, since
 * the upstream body feeds the stream). On a hit or a coalesced call it is synthesized: status
 * 200, `content-type` JSON or `text/event-stream`, the answer (or the SSE of the chunks) as its
 * body, header `x-cache: hit` (or `coalesced`), and `request_id` `null`. Every `Response` the
 * wrapper hands out carries `x-cache` (`miss` too), except on `'bypass'`, where the promise is
 * the client's own `APIPromise`.
 *
 * @module
 */
import { markStatus } from './status.js';
import type { CacheStatus } from './types.js';

/** What a wrapped call resolved to. */
export interface Outcome<T = unknown> {
  data: T;
  status: CacheStatus;
  /** `x-request-id` of the upstream call, `null` when there was none. */
  requestId: string | null;
  /** The HTTP response (upstream or synthesized), made on demand. */
  response(): Promise<Response>;
}

/** The result of `withResponse()`. */
export interface WithResponse<T> {
  data: T;
  response: Response;
  request_id: string | null;
}

/** A `Response` for an answer that did not come from an upstream call. */
export function synthesizedResponse(
  body: string | ReadableStream<Uint8Array>,
  status: CacheStatus,
  contentType: 'application/json' | 'text/event-stream',
  base?: Response,
): Response {
  const headers = new Headers(base?.headers);
  headers.set('content-type', contentType);
  headers.delete('content-length');
  headers.delete('content-encoding');
  headers.set('x-cache', status);
  return new Response(body, { status: base?.status ?? 200, headers });
}

/** `response` (an unread upstream response) with the `x-cache` header added. */
export function tagged(response: Response, status: CacheStatus): Response {
  const headers = new Headers(response.headers);
  headers.set('x-cache', status);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Awaitable like `APIPromise` (the work starts at once, the value is what the SDK would
 * return), with `withResponse()` and `asResponse()`; see the module notes for which `Response`.
 */
export class CachedAPIPromise<T> extends Promise<T> {
  /** The outcome when it was not known at once. */
  readonly #pending: Promise<Outcome<T>> | undefined;
  /** The outcome when it was known at once. */
  readonly #known: Outcome<T> | undefined;
  #data: Promise<T> | undefined;

  /** The request as the SDK's parse helpers see it (openai 7 reads `options.body`). */
  readonly #request: { options: object };

  /** `outcome`: pending, or already known (a hit served without an asynchronous step). */
  constructor(outcome: Promise<Outcome<T>> | Outcome<T>, request: { options: object } = { options: {} }) {
    const known = outcome instanceof Promise ? undefined : outcome;
    super((resolve) => resolve(null as T));
    this.#request = request;
    if (known) {
      markStatus(known.data, known.status);
      this.#known = known;
    } else {
      this.#pending = (outcome as Promise<Outcome<T>>).then((o) => {
        markStatus(o.data, o.status);
        return o;
      });
    }
  }

  /** Derived promises (`then`, `catch`, `finally`) are plain promises. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  get #outcome(): Promise<Outcome<T>> {
    return this.#pending ?? Promise.resolve(this.#known as Outcome<T>);
  }

  #parse(): Promise<T> {
    this.#data ??= this.#known
      ? Promise.resolve(this.#known.data)
      : (this.#pending as Promise<Outcome<T>>).then((o) => o.data);
    return this.#data;
  }

  // biome-ignore lint/suspicious/noThenProperty: a promise subclass, like the SDK's APIPromise.
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#parse().then(onfulfilled, onrejected);
  }

  override catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.#parse().catch(onrejected);
  }

  override finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#parse().finally(onfinally);
  }

  /** The data, the `Response` (see the module notes) and the upstream request id. */
  async withResponse(): Promise<WithResponse<T>> {
    const outcome = await this.#outcome;
    const result = { data: outcome.data, response: await outcome.response(), request_id: outcome.requestId };
    return markStatus(result, outcome.status);
  }

  /** The `Response` (see the module notes). */
  asResponse(): Promise<Response> {
    return this.#outcome.then((o) => o.response());
  }

  /**
   * A promise of `transform(data)` with the same `Response` and status, as the SDK's own
   * `APIPromise._thenUnwrap` (its `parse()` helpers use it to add `parsed` to an answer).
   * @internal
   */
  _thenUnwrap<U>(transform: (data: T, props: { options: object }) => U): CachedAPIPromise<U> {
    const request = this.#request;
    return new CachedAPIPromise(
      this.#outcome.then((o) => ({ ...o, data: transform(o.data, request) })),
      request,
    );
  }
}
