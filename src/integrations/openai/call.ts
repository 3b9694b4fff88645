/**
 * One intercepted `create` call: the per-call `{ cache }` option is taken out of the request
 * options (it never reaches the client), and the call is answered by the call path (with the
 * per-input path for string embeddings); the outcome becomes what the SDK would have returned.
 *
 * @module
 */
import type { CallPath, CallResult, CallStream, PreparedCall, Producer } from '../../index.js';
import type { OpenAIRequest } from './codec.js';
import { isRecord, type Json } from './convert.js';
import { embeddingsOutcome, stringInputs } from './embeddings.js';
import { CachedAPIPromise, type Outcome, synthesizedResponse, tagged } from './promise.js';
import { classOf, loadStreamClass, type StreamClass, sseBody } from './stream.js';
import type { CacheStatus, Endpoint } from './types.js';

/** What the client's `create` returns (an `APIPromise` for the openai client). */
export interface UpstreamPromise extends PromiseLike<unknown> {
  asResponse?(): Promise<Response>;
  withResponse?(): Promise<{ data: unknown; response: Response; request_id?: string | null }>;
}

/** Calls the original client method. */
export type Invoke = (params: unknown, options: unknown) => UpstreamPromise;

/** One wrapped client: its call path and the client's `Stream` class (learned from a stream). */
export interface Wrapped {
  readonly client: object;
  readonly path: CallPath<OpenAIRequest, Json, Json>;
  streamClass: StreamClass | undefined;
}

/**
 * Awaits a JSON answer with its `Response`: an unread copy of the upstream one (the SDK consumes
 * the original) tagged with `x-cache`, or a synthesized one when the body was already read.
 */
export async function fetchJson(
  pending: UpstreamPromise,
  status: CacheStatus,
): Promise<{ data: unknown; response: Response | undefined }> {
  const raw = pending.asResponse ? await pending.asResponse() : undefined;
  const copy = raw && !raw.bodyUsed ? tagged(raw.clone(), status) : undefined;
  const data = await pending;
  return {
    data,
    response: copy ?? (raw && synthesizedResponse(JSON.stringify(data), status, 'application/json', raw)),
  };
}

const NO_OPTIONS = Object.freeze({ perCall: undefined, rest: undefined });

/** Splits request options into the cache option and what the client receives. */
function splitOptions(options: unknown): { perCall: unknown; rest: unknown } {
  if (!isRecord(options) || !('cache' in options)) return { perCall: undefined, rest: options };
  const { cache, ...rest } = options;
  return { perCall: cache, rest };
}

const requestIdOf = (response: Response | undefined) => response?.headers.get('x-request-id') ?? null;
const jsonResponse = (data: unknown, status: CacheStatus) => () =>
  Promise.resolve(synthesizedResponse(JSON.stringify(data), status, 'application/json'));

/** A stream handed to the caller as an instance of the client's own `Stream` class. */
async function clientStream(wrapped: Wrapped, stream: CallStream<Json>): Promise<AsyncIterable<unknown>> {
  const Class = wrapped.streamClass ?? (await loadStreamClass());
  return new Class(() => stream[Symbol.asyncIterator](), stream.controller, wrapped.client as never);
}

/** The outcome of a resolved call, as the SDK would have returned it (a stream's once it is made). */
function outcomeOf(
  wrapped: Wrapped,
  endpoint: Endpoint,
  result: CallResult<Json, Json>,
  stream: boolean,
): Outcome | Promise<Outcome> {
  const { status } = result;
  const upstream = result.extra instanceof Response ? result.extra : undefined;
  const requestId = requestIdOf(upstream);
  if (!stream || !result.stream) {
    const data = result.answer;
    return {
      data,
      status,
      requestId,
      response: upstream ? () => Promise.resolve(upstream) : jsonResponse(data, status),
    };
  }
  return streamOutcome(wrapped, endpoint, result, result.stream, upstream, requestId);
}

async function streamOutcome(
  wrapped: Wrapped,
  endpoint: Endpoint,
  result: CallResult<Json, Json>,
  stream: CallStream<Json>,
  upstream: Response | undefined,
  requestId: string | null,
): Promise<Outcome> {
  const { status } = result;
  const fork = result.fork ?? (() => stream);
  return {
    data: await clientStream(wrapped, stream),
    status,
    requestId,
    response: () =>
      Promise.resolve(synthesizedResponse(sseBody(endpoint, fork), status, 'text/event-stream', upstream)),
  };
}

/**
 * The producer of one call: JSON through `fetchJson`, streams with their `Response` (its modes
 * are methods: nothing is made per call until the path calls upstream).
 */
class Upstream implements Producer<Json, Json> {
  readonly #wrapped: Wrapped;
  readonly #params: Json;
  readonly #rest: unknown;
  readonly #invoke: Invoke;

  constructor(wrapped: Wrapped, params: Json, rest: unknown, invoke: Invoke) {
    this.#wrapped = wrapped;
    this.#params = params;
    this.#rest = rest;
    this.#invoke = invoke;
  }

  async json(): Promise<{ value: Json; extra: unknown }> {
    const { data, response } = await fetchJson(this.#invoke(this.#params, this.#rest), 'miss');
    return { value: data as Json, extra: response };
  }

  async stream(): Promise<{ value: AsyncIterable<Json>; extra: unknown }> {
    const pending = this.#invoke(this.#params, this.#rest);
    const upstream = pending.withResponse
      ? await pending.withResponse()
      : { data: await pending, response: undefined };
    this.#wrapped.streamClass ??= classOf(upstream.data);
    return { value: upstream.data as AsyncIterable<Json>, extra: upstream.response };
  }
}

async function execute(
  wrapped: Wrapped,
  request: OpenAIRequest,
  perCall: unknown,
  rest: unknown,
  invoke: Invoke,
  keyed?: PreparedCall<OpenAIRequest>,
): Promise<Outcome> {
  const { endpoint, params } = request;
  const texts = endpoint === 'embeddings' ? stringInputs(params.input) : undefined;
  if (texts) return embeddingsOutcome(wrapped.path, request, perCall, texts, (body) => invoke(body, rest));
  const prepared = keyed ?? (await wrapped.path.prepare(request, perCall as never));
  const stream = params.stream === true;
  const signal = isRecord(rest) && rest.signal instanceof AbortSignal ? rest.signal : undefined;
  const result = await wrapped.path.resolve(
    prepared,
    new Upstream(wrapped, params, rest, invoke),
    signal ? { stream, signal } : { stream },
  );
  if (result.status === 'bypass') {
    const response = result.extra instanceof Response ? result.extra : undefined;
    // The client's own answer or stream, untouched.
    const data = stream ? result.stream : result.answer;
    return {
      data,
      status: 'bypass',
      requestId: requestIdOf(response),
      response: response ? () => Promise.resolve(response) : jsonResponse(data, 'bypass'),
    };
  }
  return outcomeOf(wrapped, endpoint, result, stream);
}

/** Handles one call of a cached endpoint. */
export function intercept(
  wrapped: Wrapped,
  endpoint: Endpoint,
  invoke: Invoke,
  params: unknown,
  options: unknown,
): PromiseLike<unknown> {
  // The common call has no request options: nothing to split.
  const { perCall, rest } = options === undefined ? NO_OPTIONS : splitOptions(options);
  if (!isRecord(params)) return invoke(params, rest);
  const request = { options: isRecord(rest) ? { ...rest, body: params } : { body: params } };
  const call: OpenAIRequest = { endpoint, params };
  let keyed: PreparedCall<OpenAIRequest> | undefined;
  if (endpoint !== 'embeddings' && params.stream !== true) {
    // The hot path: a JSON answer in L1 is served with no asynchronous step before it.
    try {
      keyed = wrapped.path.prepareNow(call, perCall as never);
    } catch {
      // Invalid per-call options: `execute` rejects with the same error.
    }
    const hit = keyed && wrapped.path.peek(keyed);
    if (hit) {
      const data = hit.answer;
      const outcome: Outcome = { data, status: 'hit', requestId: null, response: jsonResponse(data, 'hit') };
      return new CachedAPIPromise(outcome, request);
    }
  }
  return new CachedAPIPromise(execute(wrapped, call, perCall, rest, invoke, keyed), request);
}
