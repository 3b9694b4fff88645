/**
 * Public types of the Anthropic integration (`ai-response-cache/anthropic`).
 *
 * @module
 */
import type { Anthropic, APIPromise } from '@anthropic-ai/sdk';
import type { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import type {
  Message,
  MessageCreateParamsBase,
  MessageCreateParamsNonStreaming,
  MessageCreateParamsStreaming,
  RawMessageStreamEvent,
} from '@anthropic-ai/sdk/resources/messages';
import type { MessageStreamParams } from '@anthropic-ai/sdk/resources/messages/messages';
import type { Stream } from '@anthropic-ai/sdk/streaming';
import type { CallPathOptions, PerCallCacheOptions } from '../../index.js';
import type { AnthropicRequest } from './keys.js';

/** Options of `withCache`: the call path's options, plus the codec's. */
export interface WithCacheOptions extends Omit<CallPathOptions<AnthropicRequest>, 'scope' | 'operation'> {
  /**
   * Operation name of a request (no `:`): selects the TTL (`operationTtls`) and the statistics
   * slice. A string, or a function of the request (returning `undefined` falls back to the
   * default). @default 'messages'
   */
  operation?: string | ((request: AnthropicRequest) => string | undefined);
  /**
   * Stop reasons whose answers are stored.
   * @default ['end_turn', 'tool_use', 'stop_sequence'] (so `max_tokens`-truncated, `pause_turn`
   * and `refusal` answers are not)
   */
  storedStopReasons?: readonly string[];
  /**
   * Extra key material shared by every call of this client, added to the client's base URL
   * (which is always part of the key). @default none
   */
  scope?: unknown;
}

/** The minimal shape of a client `withCache` can wrap (the `@anthropic-ai/sdk` client). */
export interface AnthropicLike {
  messages: { create(body: never, options?: never): unknown };
}

/** The request options of the Anthropic client. */
export type RequestOptions = NonNullable<Parameters<Anthropic['messages']['countTokens']>[1]>;

/** Request options plus the per-call `cache` options (stripped before the client sees them). */
export type CachedRequestOptions = RequestOptions & { cache?: PerCallCacheOptions };

/** `messages.create` and `messages.stream` overloads accepting `{ cache }`. */
export interface MessagesWithCache {
  create(body: MessageCreateParamsNonStreaming, options: CachedRequestOptions): APIPromise<Message>;
  create(
    body: MessageCreateParamsStreaming,
    options: CachedRequestOptions,
  ): APIPromise<Stream<RawMessageStreamEvent>>;
  create(
    body: MessageCreateParamsBase,
    options: CachedRequestOptions,
  ): APIPromise<Stream<RawMessageStreamEvent> | Message>;
  stream(body: MessageStreamParams, options: CachedRequestOptions): MessageStream;
}

/**
 * The type of a wrapped client: the client's own type `T` (every member, overload and return
 * type unchanged) plus overloads of `messages.create` / `messages.stream` that accept the
 * per-call `{ cache }` option.
 */
export type CachedAnthropic<T> = T &
  (T extends { messages: unknown } ? { messages: MessagesWithCache } : unknown);
