/**
 * The AI SDK as a provider codec of the call path: what keys a call, and how a recorded stream
 * of parts and a `doGenerate` result turn into each other, so that `generateText` and
 * `streamText` calls of one prompt share one entry.
 *
 * The conversions work on the parts and content every specification version shares (`text-*`,
 * `reasoning-*`, `tool-input-*`, `tool-call`, `tool-result`, `file`, `source`, `stream-start`,
 * `response-metadata`, `finish`); `finishReason` and `usage`, whose shapes differ between
 * versions, are carried over as they are.
 *
 * @module
 */

import type { ProviderCodec, ResponseUsage } from '../../index.js';
import { isObject, type Json, type JsonObject, toJson } from './json.js';
import { type CallOptionsLike, type LanguageModelLike, PROVIDER_KEY } from './types.js';

/** One call as the codec sees it. */
export interface AISdkRequest {
  readonly model: LanguageModelLike;
  readonly params: CallOptionsLike;
}

/** A stored `doGenerate` result (JSON data; no headers, no request body). */
export type StoredResult = JsonObject;

/** A stored stream part, with its offset from the start of the stream (for paced replays). */
export interface StoredPart {
  part: JsonObject;
  /** Milliseconds since the stream started (absent in streams replayed from a result). */
  at?: number;
}

/** The members of the call options that never change the answer, so never part of the key. */
export const EXCLUDED_PARAMS: readonly string[] = Object.freeze([
  'abortSignal',
  'headers',
  'includeRawChunks',
]);

/** The call's key material: provider, model id, prompt and every setting but {@link EXCLUDED_PARAMS}. */
export function keyMaterial({ model, params }: AISdkRequest): Json | undefined {
  const settings: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    if (!EXCLUDED_PARAMS.includes(name)) settings[name] = value;
  }
  if (isObject(params.providerOptions) && PROVIDER_KEY in params.providerOptions) {
    const { [PROVIDER_KEY]: _ours, ...rest } = params.providerOptions;
    if (Object.keys(rest).length > 0) settings.providerOptions = rest;
    else delete settings.providerOptions;
  }
  return toJson({ provider: model.provider, modelId: model.modelId, settings });
}

/** A `doGenerate` result as stored: JSON data, without response headers and the request body. */
export function storeResult(result: object): StoredResult {
  const { request: _request, response, ...rest } = result as { request?: unknown; response?: unknown };
  const stored = toJson(rest) as JsonObject;
  if (isObject(response)) {
    const { headers: _headers, ...meta } = response;
    stored.response = toJson(meta) as JsonObject;
  }
  return stored;
}

/** The unified finish reason of a result or finish part (V2: a string; V3/V4: `{ unified }`). */
export function finishReasonOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return isObject(value) && typeof value.unified === 'string' ? value.unified : undefined;
}

/** Token counts of a V2 (`inputTokens: number`) or V3/V4 (`inputTokens: { total }`) usage. */
export function usageOf(usage: unknown): ResponseUsage | undefined {
  if (!isObject(usage)) return undefined;
  const count = (value: unknown): number | undefined => {
    if (typeof value === 'number') return value;
    return isObject(value) && typeof value.total === 'number' ? value.total : undefined;
  };
  const out: ResponseUsage = {};
  const prompt = count(usage.inputTokens);
  const completion = count(usage.outputTokens);
  const total =
    typeof usage.totalTokens === 'number'
      ? usage.totalTokens
      : prompt !== undefined || completion !== undefined
        ? (prompt ?? 0) + (completion ?? 0)
        : undefined;
  if (prompt !== undefined) out.promptTokens = prompt;
  if (completion !== undefined) out.completionTokens = completion;
  if (total !== undefined) out.totalTokens = total;
  return Object.keys(out).length > 0 ? out : undefined;
}

type Block = { type: 'text' | 'reasoning'; text: string; providerMetadata?: Json };

/** The `doGenerate` result a complete recorded stream makes (`undefined`: no finish, or an error part). */
export function assemble(chunks: readonly StoredPart[]): StoredResult | undefined {
  const content: JsonObject[] = [];
  const open = new Map<string, Block>();
  let warnings: Json = [];
  let response: JsonObject | undefined;
  let finish: JsonObject | undefined;
  for (const { part } of chunks) {
    switch (part.type) {
      case 'stream-start':
        warnings = part.warnings ?? [];
        break;
      case 'response-metadata': {
        const { type: _type, ...meta } = part;
        response = { ...response, ...meta };
        break;
      }
      case 'text-start':
      case 'reasoning-start': {
        const block: Block = { type: part.type === 'text-start' ? 'text' : 'reasoning', text: '' };
        if (part.providerMetadata !== undefined) block.providerMetadata = part.providerMetadata;
        open.set(`${block.type}:${String(part.id)}`, block);
        content.push(block as JsonObject);
        break;
      }
      case 'text-delta':
      case 'reasoning-delta':
      case 'text-end':
      case 'reasoning-end': {
        const kind = part.type.startsWith('text') ? 'text' : 'reasoning';
        const block = open.get(`${kind}:${String(part.id)}`);
        if (!block) return undefined;
        if (typeof part.delta === 'string') block.text += part.delta;
        if (part.providerMetadata !== undefined) block.providerMetadata = part.providerMetadata;
        if (part.type.endsWith('-end')) open.delete(`${kind}:${String(part.id)}`);
        break;
      }
      case 'tool-input-start':
      case 'tool-input-delta':
      case 'tool-input-end':
      case 'raw':
      case 'ping':
        // The tool-call part that follows carries the whole input.
        break;
      case 'finish':
        finish = part;
        break;
      case 'error':
        return undefined;
      default: {
        // tool-call, tool-result, tool-approval-request, file, source: a content item as it is.
        content.push(part);
      }
    }
  }
  if (!finish) return undefined;
  const result: StoredResult = {
    content,
    finishReason: finish.finishReason ?? null,
    usage: finish.usage ?? {},
  };
  if (finish.providerMetadata !== undefined) result.providerMetadata = finish.providerMetadata;
  if (response) result.response = response;
  result.warnings = warnings;
  return result;
}

/** The stream the model would have sent for a stored result (a `generateText` entry served to `streamText`). */
export function replay(result: StoredResult): StoredPart[] {
  const parts: JsonObject[] = [{ type: 'stream-start', warnings: result.warnings ?? [] }];
  if (isObject(result.response)) {
    const { body: _body, ...meta } = result.response;
    parts.push({ type: 'response-metadata', ...meta });
  }
  const content = Array.isArray(result.content) ? result.content : [];
  content.forEach((item, index) => {
    if (!isObject(item)) return;
    const id = String(index);
    if (item.type === 'text' || item.type === 'reasoning') {
      const metadata = item.providerMetadata === undefined ? {} : { providerMetadata: item.providerMetadata };
      parts.push({ type: `${item.type}-start`, id });
      if (typeof item.text === 'string' && item.text !== '')
        parts.push({ type: `${item.type}-delta`, id, delta: item.text });
      parts.push({ type: `${item.type}-end`, id, ...metadata });
    } else if (item.type === 'tool-call') {
      const start: JsonObject = {
        type: 'tool-input-start',
        id: item.toolCallId ?? id,
        toolName: item.toolName ?? '',
      };
      if (item.providerExecuted !== undefined) start.providerExecuted = item.providerExecuted;
      if (item.dynamic !== undefined) start.dynamic = item.dynamic;
      parts.push(start, {
        type: 'tool-input-delta',
        id: start.id ?? id,
        delta: typeof item.input === 'string' ? item.input : '',
      });
      parts.push({ type: 'tool-input-end', id: start.id ?? id }, item);
    } else {
      parts.push(item);
    }
  });
  const finish: JsonObject = {
    type: 'finish',
    finishReason: result.finishReason ?? null,
    usage: result.usage ?? {},
  };
  if (result.providerMetadata !== undefined) finish.providerMetadata = result.providerMetadata;
  parts.push(finish);
  return parts.map((part) => ({ part }));
}

/** The provider codec of the AI SDK middleware. */
export const aiSdkCodec: ProviderCodec<AISdkRequest, StoredResult, StoredPart> = {
  name: 'ai-sdk',
  keyMaterial,
  operation: () => 'ai-sdk',
  bypass: ({ params }) =>
    params.includeRawChunks === true ? 'raw provider chunks are not cached' : undefined,
  sampled: ({ params }) => {
    const temperature = (params as { temperature?: unknown }).temperature;
    return typeof temperature === 'number' && temperature > 0;
  },
  storable: (result) => finishReasonOf(result.finishReason) !== 'error',
  assemble,
  replay,
  complete: (chunks) => chunks.some(({ part }) => part.type === 'finish'),
  usage: (result) => usageOf(result.usage),
  model: (result, { model }) =>
    isObject(result.response) && typeof result.response.modelId === 'string'
      ? result.response.modelId
      : model.modelId,
};
