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
  const betas = betasOf(context.defaultHeaders(), rest?.headers);
  const request: AnthropicRequest = betas.length > 0 ? { params, betas } : { params };
  const path = context.path();
  const prepared = await path.prepare(request, perCall as PerCallCacheOptions | undefined);
  const signal = rest?.signal instanceof AbortSignal ? rest.signal : undefined;
  if (!isStream) {
    // A JSON caller with a signal works alone on the path, its signal on its own upstream call.
    const producer: Producer<Message, RawMessageStreamEvent> = {
      json: async () => {
        const { stream: _stream, ...body } = params;
        const { value, extra } = await call(context, body, rest);
        return { value: value as Message, extra };
      },
    };
    const result = await path.resolve(prepared, producer, signal ? { signal } : {});
    return { data: result.answer, status: result.status, upstream: upstreamOf(result.extra) };
  }
  // A stream caller's signal (`messages.stream()` always passes one) detaches its reader only:
  // the upstream stream may be shared, and stops when no reader is left.
  const { signal: _signal, ...shared } = rest ?? {};
  const producer: Producer<Message, RawMessageStreamEvent> = {
    stream: async () => {
      const { value, extra } = await call(context, { ...params, stream: true }, shared);
      return { value: value as AsyncIterable<RawMessageStreamEvent>, extra };
    },
  };
  const result = await path.resolve(prepared, producer, { stream: true });
  const source = result.stream as AsyncIterable<unknown> & { controller?: AbortController };
  const data = streamOver(await context.streamClass(), source, signal);
  return { data, status: result.status, upstream: upstreamOf(result.extra) };
}

const upstreamOf = (extra: unknown): Response | undefined => (extra instanceof Response ? extra : undefined);

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
