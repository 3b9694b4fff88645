/**
 * A response being recorded while it is sent: the decision taken when its head is known
 * (store, hold back a failure for stale serving, or let it go), then the body bytes.
 *
 * @module
 */
import { type HeaderList, type RequestDecision, type ResponseDecision, responseDecision } from './policy.js';
import type { HttpRouteOptions } from './types.js';

/** The default of {@link HttpRouteOptions.maxBodyBytes}. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** What a recording ends with. */
export interface Recorded {
  /** Whether it may be stored: storable head, complete body, within `maxBodyBytes`. */
  readonly storable: boolean;
  readonly status: number;
  readonly headers: HeaderList;
  readonly body: Uint8Array;
  /** TTL from the response's `s-maxage` / `max-age` (ms). */
  readonly ttlMs: number | undefined;
  /** Sorted lower-case names of its `Vary` headers. */
  readonly vary: readonly string[];
  /**
   * Called once the entry is stored (or will not be): the adapter then ends the response, so a
   * client that has the whole response finds it in the cache on its next request.
   */
  readonly ack?: () => void;
}

/** What to do with a response once its head is known. */
export type HeadAction = 'record' | 'hold' | 'ignore';

/**
 * The failure of a handler (it threw or answered with a 5xx) while a stale entry could be
 * served instead: `held` is what the adapter kept back (its reply, or the error thrown).
 */
export class HandlerFailure extends Error {
  /** What the adapter kept back. */
  readonly held: unknown;

  /** Wraps what was kept back. */
  constructor(held: unknown) {
    super('the handler failed');
    this.name = 'HandlerFailure';
    this.held = held;
  }
}

/** One recording (see the module). */
export class Recording {
  readonly #options: HttpRouteOptions;
  readonly #request: RequestDecision;
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;
  #status = 0;
  #headers: HeaderList = [];
  #decision: ResponseDecision | undefined;
  #overflow = false;

  /** A recording for a request decided as `request`, under the route's `options`. */
  constructor(options: HttpRouteOptions, request: RequestDecision) {
    this.#options = options;
    this.#request = request;
  }

  /** What the response's status and headers would lead to, without deciding yet. */
  preview(status: number, headers: HeaderList): ResponseDecision {
    return responseDecision(status, headers, this.#options, this.#request);
  }

  /** Whether the head has been seen. */
  get decided(): boolean {
    return this.#decision !== undefined;
  }

  /** Takes the head: returns whether to record the body, hold the response back, or ignore it. */
  head(status: number, headers: HeaderList): HeadAction {
    this.#status = status;
    this.#headers = headers;
    this.#decision = this.preview(status, headers);
    if (this.#decision.store) return 'record';
    return status >= 500 && this.#options.grace !== undefined ? 'hold' : 'ignore';
  }

  /** Whether body chunks are still kept. */
  get recording(): boolean {
    return this.#decision?.store === true && !this.#overflow;
  }

  /** Keeps a copy of `chunk` (past `maxBodyBytes` the recording gives up). */
  chunk(chunk: Uint8Array): void {
    if (!this.recording || chunk.byteLength === 0) return;
    this.#bytes += chunk.byteLength;
    if (this.#bytes > (this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)) {
      this.#overflow = true;
      this.#chunks.length = 0;
      return;
    }
    this.#chunks.push(new Uint8Array(chunk));
  }

  /** The result; `complete: false` (aborted, failed stream) is never storable. */
  result(complete: boolean): Recorded {
    const decision = this.#decision;
    const storable = complete && this.recording;
    const body = new Uint8Array(storable ? this.#bytes : 0);
    if (storable) {
      let offset = 0;
      for (const c of this.#chunks) {
        body.set(c, offset);
        offset += c.byteLength;
      }
    }
    return {
      storable,
      status: this.#status,
      headers: this.#headers,
      body,
      ttlMs: decision?.ttlMs,
      vary: decision?.vary ?? [],
    };
  }
}
