/**
 * What is stored for an answer, whether an answer is worth storing, and the statistics facts
 * (model, token usage) stored beside it; and the pure functions a provider codec needs for
 * openai streams:
 *
 * - {@link assembleChunks} `(endpoint, chunks) => answer | undefined`: stream -> JSON;
 * - {@link replayAnswer} `(endpoint, answer, params) => chunks`: JSON -> stream for a request;
 * - {@link restreamChunks} `(endpoint, chunks, params) => chunks`: stream -> stream for a request;
 * - {@link answerComplete} `(endpoint, chunks) => boolean`: the answer is complete but for its tail.
 *
 * @module
 */
import type { ProviderCodec, ResponseMeta, ResponseUsage } from '../../index.js';
import { adaptChatChunks, chatChunksToCompletion, chatCompletionToChunks } from './convert.js';
import { isRecord, type Json, present } from './json.js';
import { responseEventsToResponse, responseToEvents } from './responses-events.js';
import type { Endpoint } from './types.js';

/** The stored value: the answer as a JSON body or as the list of streamed chunks. */
export type Entry = { f: 'json'; v: unknown } | { f: 'stream'; v: unknown[] };

/** Default chat finish reasons whose answers are stored. */
export const DEFAULT_CACHE_FINISH_REASONS: readonly string[] = Object.freeze([
  'stop',
  'tool_calls',
  'function_call',
]);

/** Whether a stored value is an {@link Entry}. */
export function isEntry(value: unknown): value is Entry {
  if (!isRecord(value)) return false;
  return value.f === 'json' ? 'v' in value : value.f === 'stream' && Array.isArray(value.v);
}

const count = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

function usageOf(endpoint: Endpoint, usage: unknown): ResponseUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const out: ResponseUsage = {};
  const prompt = count(endpoint === 'responses' ? usage.input_tokens : usage.prompt_tokens);
  const completion = count(endpoint === 'responses' ? usage.output_tokens : usage.completion_tokens);
  const total = count(usage.total_tokens);
  if (prompt !== undefined) out.promptTokens = prompt;
  if (completion !== undefined) out.completionTokens = completion;
  if (total !== undefined) out.totalTokens = total;
  return out;
}

/** Meta stored with an answer: requested model (the key of `prices`), usage, upstream latency. */
export function metaOf(endpoint: Endpoint, params: Json, result: unknown, latencyMs: number): ResponseMeta {
  const meta: ResponseMeta = { latencyMs: Math.round(latencyMs) };
  const model = typeof params.model === 'string' ? params.model : isRecord(result) ? result.model : undefined;
  if (typeof model === 'string') meta.model = model;
  const usage = isRecord(result) ? usageOf(endpoint, result.usage) : undefined;
  if (usage) meta.usage = usage;
  return meta;
}

const nonEmpty = (value: unknown): boolean =>
  (typeof value === 'string' && value.length > 0) || (Array.isArray(value) && value.length > 0);

function chatCacheable(result: Json, finishReasons: ReadonlySet<string>): boolean {
  const choices = Array.isArray(result.choices) ? result.choices : [];
  if (choices.length === 0) return false;
  return choices.every((choice) => {
    if (!isRecord(choice) || !finishReasons.has(String(choice.finish_reason))) return false;
    const m = isRecord(choice.message) ? choice.message : {};
    return (
      nonEmpty(m.content) ||
      nonEmpty(m.tool_calls) ||
      nonEmpty(m.refusal) ||
      isRecord(m.function_call) ||
      isRecord(m.audio)
    );
  });
}

function responseCacheable(result: Json): boolean {
  if (result.status !== 'completed' || (result.error !== null && result.error !== undefined)) return false;
  const output = Array.isArray(result.output) ? result.output : [];
  return output.some((item) => {
    if (!isRecord(item)) return false;
    if (item.type !== 'message') return item.type !== 'reasoning';
    return (Array.isArray(item.content) ? item.content : []).some(
      (part) => isRecord(part) && (nonEmpty(part.text) || nonEmpty(part.refusal)),
    );
  });
}

/**
 * The built-in check: chat answers need choices, each non-empty and finished with an allowed
 * reason; responses need status `completed` and some non-empty output; embeddings need vectors.
 */
export function isCacheableAnswer(
  endpoint: Endpoint,
  result: unknown,
  finishReasons: ReadonlySet<string>,
): boolean {
  if (!isRecord(result)) return false;
  if (endpoint === 'chat.completions') return chatCacheable(result, finishReasons);
  if (endpoint === 'responses') return responseCacheable(result);
  const data = Array.isArray(result.data) ? result.data : [];
  return data.length > 0 && data.every((item) => isRecord(item) && nonEmpty(item.embedding));
}

const includes = (params: Json, option: string): boolean | undefined => {
  const value = isRecord(params.stream_options) ? params.stream_options[option] : undefined;
  return typeof value === 'boolean' ? value : undefined;
};

/**
 * The complete answer recorded chunks stand for (`undefined` when the stream has no final
 * answer): chat chunks accumulated as openai's `ChatCompletionStream` does, or the `Response`
 * of the terminal Responses event (with the SDK's `output_text`). Pure.
 */
export function assembleChunks(endpoint: Endpoint, chunks: readonly unknown[]): Json | undefined {
  if (endpoint === 'responses') return responseEventsToResponse(chunks);
  return chunks.length > 0 ? chatChunksToCompletion(chunks) : undefined;
}

/**
 * The chunks that replay a stored JSON answer to a streaming request `params`, shaped as the API
 * streams them (chat: a usage chunk only when `params.stream_options.include_usage` and the answer
 * has usage; responses: the full event sequence). Pure; `[]` for a non-object answer.
 */
export function replayAnswer(endpoint: Endpoint, answer: unknown, params: Json): unknown[] {
  if (!isRecord(answer)) return [];
  if (endpoint === 'responses') return responseToEvents(answer);
  return chatCompletionToChunks(answer, includes(params, 'include_usage') === true);
}

/**
 * Recorded chunks as the streaming request `params` receives them. Chat: a caller with
 * `stream_options.include_usage` gets the usage chunk whenever the recording has one, a caller
 * without it never does (`usage` fields removed too). Responses: the events as recorded. Both:
 * `include_obfuscation: false` removes the stream-only `obfuscation` padding. Pure: a new list; unchanged chunks are the
 * same objects (copy them before handing them to a consumer that may edit them).
 */
export function restreamChunks(endpoint: Endpoint, chunks: readonly unknown[], params: Json): unknown[] {
  if (endpoint !== 'chat.completions') {
    if (includes(params, 'include_obfuscation') !== false) return [...chunks];
    return chunks.map((event) => {
      if (!isRecord(event) || !('obfuscation' in event)) return event;
      const { obfuscation: _obfuscation, ...rest } = event;
      return rest;
    });
  }
  return adaptChatChunks(
    chunks,
    includes(params, 'include_usage') === true,
    includes(params, 'include_obfuscation') !== false,
  );
}

/** Whether a chat delta is the `expires_at`-only audio delta that ends an audio answer. */
const isAudioEnd = (delta: unknown): boolean => {
  if (!isRecord(delta) || !isRecord(delta.audio)) return false;
  const { audio, ...rest } = delta;
  const { expires_at, ...others } = audio;
  return present(expires_at) && ![...Object.values(others), ...Object.values(rest)].some(present);
};

/**
 * Whether the chunks so far hold a complete answer but for its tail (chat: every choice seen
 * has its `finish_reason`, or ended with the `expires_at`-only audio delta the API ends audio
 * answers with; responses: every output item added is done). A consumer that stops there still
 * leaves the rest (usage chunk, terminal event) worth reading. Pure.
 */
export function answerComplete(endpoint: Endpoint, chunks: readonly unknown[]): boolean {
  if (endpoint === 'responses') {
    let added = 0;
    let done = 0;
    for (const event of chunks) {
      const type = isRecord(event) ? event.type : undefined;
      if (type === 'response.output_item.added') added++;
      if (type === 'response.output_item.done') done++;
    }
    return added > 0 && done === added;
  }
  const state = new Map<unknown, 'open' | 'audio-end' | 'finished'>();
  for (const chunk of chunks) {
    const choices = isRecord(chunk) && Array.isArray(chunk.choices) ? chunk.choices : [];
    for (const choice of choices) {
      if (!isRecord(choice) || state.get(choice.index) === 'finished') continue;
      const empty = !isRecord(choice.delta) || Object.keys(choice.delta).length === 0;
      if (present(choice.finish_reason)) state.set(choice.index, 'finished');
      else if (isAudioEnd(choice.delta)) state.set(choice.index, 'audio-end');
      else if (!(empty && state.get(choice.index) === 'audio-end')) state.set(choice.index, 'open');
    }
  }
  return state.size > 0 && [...state.values()].every((value) => value !== 'open');
}

/** The stream members of a {@link ProviderCodec} (all four present). */
export type StreamCodec = Required<
  Pick<ProviderCodec<Json, Json, unknown>, 'assemble' | 'replay' | 'restream' | 'complete'>
>;

/**
 * The stream members of the provider codec of a streaming endpoint, bound to it:
 * `assemble(chunks, params)`, `replay(answer, params)`, `restream(chunks, params)` and
 * `complete(chunks, params)` ({@link assembleChunks}, {@link replayAnswer},
 * {@link restreamChunks}, {@link answerComplete}).
 */
export function streamCodec(endpoint: Exclude<Endpoint, 'embeddings'>): StreamCodec {
  return {
    assemble: (chunks) => assembleChunks(endpoint, chunks),
    replay: (answer, params) => replayAnswer(endpoint, answer, params),
    restream: (chunks, params) => restreamChunks(endpoint, chunks, params),
    complete: (chunks) => answerComplete(endpoint, chunks),
  };
}

/** The JSON body of an entry (assembled from recorded chunks when needed). */
export function entryBody(endpoint: Endpoint, entry: Entry): unknown {
  if (entry.f === 'json') return entry.v;
  return assembleChunks(endpoint, entry.v) ?? null;
}

/** The chunks of an entry as this request receives them (replayed from a JSON body when needed). */
export function entryChunks(endpoint: Endpoint, entry: Entry, params: Json): unknown[] {
  return entry.f === 'stream'
    ? restreamChunks(endpoint, entry.v, params)
    : replayAnswer(endpoint, entry.v, params);
}
