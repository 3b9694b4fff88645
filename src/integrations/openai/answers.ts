/**
 * What is stored for an answer, whether an answer is worth storing, and the statistics facts
 * (model, token usage) stored beside it.
 *
 * @module
 */
import type { ResponseMeta, ResponseUsage } from '../../index.js';
import {
  adaptChatChunks,
  chatChunksToCompletion,
  chatCompletionToChunks,
  isRecord,
  type Json,
  responseEventsToResponse,
  responseToEvents,
} from './convert.js';
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

/** The complete answer recorded chunks stand for (`undefined` when the stream has no final answer). */
export function assembleChunks(endpoint: Endpoint, chunks: readonly unknown[]): Json | undefined {
  if (endpoint === 'responses') return responseEventsToResponse(chunks);
  return chunks.length > 0 ? chatChunksToCompletion(chunks) : undefined;
}

/** The JSON body of an entry (converted from recorded chunks when needed). */
export function entryBody(endpoint: Endpoint, entry: Entry): unknown {
  if (entry.f === 'json') return entry.v;
  return assembleChunks(endpoint, entry.v) ?? null;
}

/** The chunks of an entry as this request receives them (converted from a JSON body when needed). */
export function entryChunks(endpoint: Endpoint, entry: Entry, params: Json): unknown[] {
  const includeUsage = isRecord(params.stream_options) && params.stream_options.include_usage === true;
  if (entry.f === 'stream')
    return endpoint === 'chat.completions' ? adaptChatChunks(entry.v, includeUsage) : entry.v;
  if (!isRecord(entry.v)) return [];
  return endpoint === 'responses' ? responseToEvents(entry.v) : chatCompletionToChunks(entry.v, includeUsage);
}
