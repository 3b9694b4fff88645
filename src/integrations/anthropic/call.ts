/**
 * One intercepted `messages.create` call: the per-call `{ cache }` option is taken out of the
 * request options (it never reaches the client), the request is prepared on the call path of
 * the client's base URL and resolved with producers that call the original `create`.
 *
 * @module
 */
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { CallPath, PerCallCacheOptions, Producer } from '../../index.js';
import { type AnthropicRequest, betasOf } from './keys.js';
import { CachedAPIPromise, type Outcome } from './promise.js';
import { type StreamClass, streamOver } from './stream.js';

/** What the client's `create` returns (an `APIPromise` for the SDK's client). */
export interface UpstreamPromise extends PromiseLike<unknown> {
  withResponse?(): Promise<{ data: unknown; response: Response }>;
}

/** Calls the original `messages.create`. */
export type Invoke = (params: unknown, options: unknown) => UpstreamPromise;

/** What an intercepted call needs from its wrapper. */
export interface CallContext {
  /** The call path for the client's current base URL. */
  path(): CallPath<AnthropicRequest, Message, RawMessageStreamEvent>;
  /** The client's default headers (for its `anthropic-beta` features). */
  defaultHeaders(): unknown;
  /** The SDK's `Stream` class. */
  streamClass(): Promise<StreamClass>;
  invoke: Invoke;
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits request options into the per-call cache options and what the client receives. */
function splitOptions(options: unknown): { perCall: unknown; rest: Json | undefined } {
  if (!isRecord(options)) return { perCall: undefined, rest: options as undefined };
  const { cache, ...rest } = options;
  return { perCall: cache, rest };
}

/** Calls upstream, keeping the `Response` when the client's promise has one. */
async function call(context: CallContext, params: Json, options: Json | undefined) {
  const pending = context.invoke(params, options);
  if (typeof pending.withResponse === 'function') {
    const { data, response } = await pending.withResponse();
    return { value: data, extra: response };
  }
  return { value: await pending, extra: undefined };
}

async function execute(
  context: CallContext,
  params: Json,
  perCall: unknown,
  rest: Json | undefined,
): Promise<Outcome> {
  const isStream = params.stream === true;
  const headers = rest?.headers;
  const betas = betasOf(context.defaultHeaders(), headers);
  const request: AnthropicRequest = betas.length > 0 ? { params, betas } : { params };
  const path = context.path();
  const prepared = await path.prepare(request, perCall as PerCallCacheOptions | undefined);
  const signal = rest?.signal instanceof AbortSignal ? rest.signal : undefined;
  const producer: Producer<Message, RawMessageStreamEvent> = {
    stream: async () => {
      const { value, extra } = await call(context, { ...params, stream: true }, rest);
      return { value: value as AsyncIterable<RawMessageStreamEvent>, extra };
    },
  };
  if (!isStream) {
    producer.json = async () => {
      const { stream: _stream, ...body } = params;
      const { value, extra } = await call(context, body, rest);
      return { value: value as Message, extra };
    };
  }
  const result = await path.resolve(
    prepared,
    producer,
    signal ? { stream: isStream, signal } : { stream: isStream },
  );
  const upstream = result.extra instanceof Response ? result.extra : undefined;
  if (!isStream) return { data: result.answer, status: result.status, upstream };
  const source = result.stream as AsyncIterable<unknown>;
  // A bypassed stream is the client's own `Stream`: handed over as it is.
  if (result.status === 'bypass' && isRecord(source) && source.controller instanceof AbortController) {
    return { data: source, status: result.status, upstream };
  }
  const Class = await context.streamClass();
  return { data: streamOver(Class, source, signal), status: result.status, upstream };
}

/** Handles one `messages.create` call of the wrapped client. */
export function intercept(
  context: CallContext,
  params: unknown,
  options: unknown,
): CachedAPIPromise<unknown> {
  const { perCall, rest } = splitOptions(options);
  if (!isRecord(params)) {
    const pending = Promise.resolve(context.invoke(params, rest));
    return new CachedAPIPromise(pending.then((data): Outcome => ({ data, status: 'bypass' })));
  }
  return new CachedAPIPromise(execute(context, params, perCall, rest));
}
