/**
 * The promise returned by the wrapped `messages.create`: awaitable like the SDK's `APIPromise`,
 * with `withResponse()` and `asResponse()` (which the SDK's `MessageStream` uses).
 *
 * The `Response` is a synthesized one: status 200, the upstream headers on a miss (with
 * `request-id`), `x-cache` set to the status, `content-type` JSON (with the message as body) or
 * `text/event-stream` (the body of a stream is not re-encoded: read the stream instead).
 *
 * @module
 */
import { type CacheStatus, markStatus } from '../../index.js';

/** What a wrapped call resolved to. */
export interface Outcome<T = unknown> {
  data: T;
  status: CacheStatus;
  /** The upstream response of a miss (its headers are kept). */
  upstream?: Response | undefined;
}

/** The result of `withResponse()`, as the SDK's. */
export interface WithResponse<T> {
  data: T;
  response: Response;
  request_id: string | null | undefined;
  workspace_id: string | null | undefined;
}

/** The `Response` of an outcome (see the module notes). */
export function responseOf(outcome: Outcome): Response {
  const headers = new Headers(outcome.upstream?.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  headers.set('x-cache', outcome.status);
  const isStream = typeof (outcome.data as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === 'function';
  headers.set('content-type', isStream ? 'text/event-stream' : 'application/json');
  return new Response(isStream ? null : JSON.stringify(outcome.data), { status: 200, headers });
}

/**
 * Awaitable like `APIPromise` (the work starts at once), with `withResponse()` and
 * `asResponse()`; derived promises (`then`, `catch`, `finally`) are plain promises.
 */
export class CachedAPIPromise<T> extends Promise<T> {
  readonly #outcome: Promise<Outcome<T>>;

  constructor(outcome: Promise<Outcome<T>>) {
    super((resolve) => resolve(null as T));
    this.#outcome = outcome.then((o) => {
      markStatus(o.data, o.status);
      return o;
    });
    // Rejections surface where the caller awaits; no unhandled rejection from the stored one.
    this.#outcome.catch(() => {});
  }

  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  // biome-ignore lint/suspicious/noThenProperty: a promise subclass, like the SDK's APIPromise.
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#outcome.then((o) => o.data).then(onfulfilled, onrejected);
  }

  override catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onrejected);
  }

  override finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#outcome.then((o) => o.data).finally(onfinally);
  }

  /** The status of the call, once known. */
  status(): Promise<CacheStatus> {
    return this.#outcome.then((o) => o.status);
  }

  /** The data, the `Response` (see the module notes) and the upstream request id. */
  async withResponse(): Promise<WithResponse<T>> {
    const outcome = await this.#outcome;
    const response = responseOf(outcome);
    return markStatus(
      {
        data: outcome.data,
        response,
        request_id: outcome.upstream?.headers.get('request-id') ?? null,
        workspace_id: outcome.upstream?.headers.get('anthropic-workspace-id') ?? null,
      },
      outcome.status,
    );
  }

  /** The `Response` (see the module notes). */
  asResponse(): Promise<Response> {
    return this.#outcome.then(responseOf);
  }
}
