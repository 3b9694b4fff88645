/**
 * The Anthropic provider codec: what the call path needs to know about the Messages API. One
 * codec serves `messages.create` (JSON and `stream: true`) and `messages.stream()`, so all three
 * share one entry per request.
 *
 * @module
 */
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { ProviderCodec, ResponseUsage } from '../../index.js';
import { assembleMessage, replayEvents, restreamEvents, streamComplete } from './events.js';
import { type AnthropicRequest, bypassReason, isSampled, keyMaterial } from './keys.js';

/**
 * Stop reasons whose answers are stored: a finished turn, a tool call, a stop sequence. Not
 * stored: `max_tokens` (truncated), `pause_turn` (an unfinished server-tool turn), `refusal`,
 * `model_context_window_exceeded`.
 */
export const DEFAULT_STORED_STOP_REASONS: readonly string[] = Object.freeze([
  'end_turn',
  'tool_use',
  'stop_sequence',
]);

/** Options of {@link anthropicCodec}. */
export interface AnthropicCodecOptions {
  /** Stop reasons whose answers are stored. @default DEFAULT_STORED_STOP_REASONS */
  storedStopReasons?: readonly string[];
}

/** The codec's type. */
export type AnthropicCodec = ProviderCodec<AnthropicRequest, Message, RawMessageStreamEvent>;

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** The usage of a message for savings: prompt tokens include cache writes and reads. */
export function usageOf(message: Message): ResponseUsage | undefined {
  const usage = message?.usage;
  if (!usage) return undefined;
  const promptTokens =
    count(usage.input_tokens) +
    count(usage.cache_creation_input_tokens) +
    count(usage.cache_read_input_tokens);
  const completionTokens = count(usage.output_tokens);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

/**
 * The Anthropic Messages codec for `createCallPath` (used by `withCache`; usable directly with
 * a client of your own).
 *
 * - key material: the body without `stream` and `metadata.user_id`, plus the call's
 *   `anthropic-beta` features (see `keyMaterial`);
 * - bypass: `container`, `diagnostics`, code execution tools (server-side state);
 * - storable: `type: 'message'` with content and a stop reason in `storedStopReasons`;
 * - assemble / replay: stream events <-> `Message`, shaped so that the SDK's `MessageStream`
 *   accumulates exactly the stored message;
 * - complete: after the `message_delta` carrying a stop reason.
 *
 * @example
 * const path = createCallPath(anthropicCodec(), { cache: ai, scope: 'https://api.anthropic.com' });
 */
export function anthropicCodec(options: AnthropicCodecOptions = {}): AnthropicCodec {
  const stored = new Set(options.storedStopReasons ?? DEFAULT_STORED_STOP_REASONS);
  return {
    name: 'anthropic',
    keyMaterial,
    operation: () => 'messages',
    bypass: bypassReason,
    sampled: isSampled,
    storable: (message) =>
      message?.type === 'message' &&
      Array.isArray(message.content) &&
      message.content.length > 0 &&
      message.stop_reason != null &&
      stored.has(message.stop_reason),
    assemble: (events) => assembleMessage(events),
    replay: (message) => replayEvents(message),
    restream: (events) => restreamEvents(events),
    complete: (events) => streamComplete(events),
    usage: usageOf,
    model: (message, request) =>
      typeof message?.model === 'string'
        ? message.model
        : typeof request.params.model === 'string'
          ? request.params.model
          : undefined,
  };
}
