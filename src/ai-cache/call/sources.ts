/**
 * Where a call's answer comes from (the cache, a JSON answer this process fetched, a stream it is
 * receiving), and the small helpers of the call path around them.
 *
 * @module
 */
import type { PreparedRequest, ResponseMeta } from '../ai-response-cache.js';
import type { Recording } from './recording.js';
import type { CallResult, CallStream, PreparedCall, Producer } from './types.js';

/** The stored value: the answer as JSON, or the chunks of the stream that made it. */
export type StoredEntry<A, C> = { f: 'json'; v: A } | { f: 'stream'; v: C[] };

/** An answer read from the cache. */
export interface EntrySource<A, C> {
  kind: 'entry';
  entry: StoredEntry<A, C>;
  meta: ResponseMeta | undefined;
  origin: 'hit' | 'coalesced' | 'stale';
  /** Decoded for this lookup alone (from L2): its one reader needs no copy. */
  fresh: boolean;
}
/** A JSON answer this process fetched. */
export interface AnswerSource<A> {
  kind: 'answer';
  answer: A;
  meta: ResponseMeta;
  extra: unknown;
}
/** A stream this process is receiving. */
export interface LiveSource<A, C> {
  kind: 'live';
  recording: Recording<A, C>;
  extra: unknown;
}
export type Source<A, C> = EntrySource<A, C> | AnswerSource<A> | LiveSource<A, C>;

/** Whether a stored value is a {@link StoredEntry}. */
export const isEntry = (value: unknown): value is StoredEntry<unknown, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const { f } = value as { f?: unknown };
  return f === 'json' ? 'v' in value : f === 'stream' && Array.isArray((value as { v?: unknown }).v);
};

export const asError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));

/** One caller's call. */
export interface Call<Req, A, C> {
  prepared: PreparedCall<Req>;
  entry: PreparedRequest;
  key: string;
  producer: Producer<A, C>;
}

export function missingMode(stream: boolean): never {
  throw new TypeError(`resolve(): the producer has no ${stream ? 'stream' : 'json'} mode`);
}

/** A producer's own stream handed on as a {@link CallStream} (bypassed calls). */
export function passThrough<C>(source: AsyncIterable<C>): CallStream<C> {
  // A client's own stream (with its controller) is handed on as it is.
  if ((source as { controller?: unknown }).controller instanceof AbortController)
    return source as CallStream<C>;
  const controller = new AbortController();
  return {
    controller,
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]();
      controller.signal.addEventListener('abort', () => void iterator.return?.(), { once: true });
      return iterator;
    },
  };
}

/** The producer's answer, untouched by the cache. */
export async function bypassed<A, C>(producer: Producer<A, C>, stream: boolean): Promise<CallResult<A, C>> {
  if (stream && producer.stream) {
    const { value, extra } = await producer.stream();
    return { status: 'bypass', stream: passThrough(value), extra };
  }
  const { value, extra } = await (producer.json ? producer.json() : missingMode(stream));
  return { status: 'bypass', answer: value, extra };
}
