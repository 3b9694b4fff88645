/**
 * Embeddings with string inputs are cached per input: each string is its own entry (keyed by
 * the string, model, `dimensions`, `encoding_format` and the other body fields), only the inputs
 * found nowhere go upstream, in one request, and the response is reassembled in input order.
 * `usage` counts the tokens actually sent (0 when every input was cached). Inputs being fetched
 * by a concurrent call in this process (an overlapping batch) are awaited instead of being sent
 * again: the call path's `resolveEach` does all of that.
 *
 * Vectors are stored as the SDK returned them (float arrays, or base64 strings when the caller
 * asked for `encoding_format: 'base64'`), so a hit returns what the SDK would have.
 *
 * Statistics: every input served from the cache counts as one hit of the operation and one
 * avoided upstream call in `stats().savings` (with its share of the tokens of the request that
 * fetched it, split by text length). Token-array inputs are cached as one entry per request.
 * `withResponse()` returns a synthesized JSON `Response` of the reassembled body.
 *
 * @module
 */
import type { CacheStatus, CallPath, ResponseMeta } from '../../index.js';
import type { OpenAIRequest } from './codec.js';
import { isRecord, type Json } from './convert.js';
import { type Outcome, synthesizedResponse } from './promise.js';

/** The string inputs of a request, or `undefined` when the input is not strings (tokens). */
export function stringInputs(input: unknown): string[] | undefined {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'string'))
    return input;
  return undefined;
}

interface Sent {
  usage: unknown;
  model: unknown;
  requestId: string | null;
}

/** Runs an embeddings call with per-input caching. */
export async function embeddingsOutcome(
  path: CallPath<OpenAIRequest, Json, Json>,
  request: OpenAIRequest,
  perCall: unknown,
  texts: string[],
  upstream: (body: Json) => PromiseLike<unknown> & { asResponse?(): Promise<Response> },
): Promise<Outcome> {
  const { params } = request;
  const unique = [...new Set(texts)];
  // The SDK asks for base64 and decodes it when the caller did not choose: keyed as 'float'.
  const encoding = params.encoding_format ?? 'float';
  const prepared = await Promise.all(
    unique.map((text) =>
      path.prepare(
        { endpoint: 'embeddings', params: { ...params, input: text, encoding_format: encoding } },
        perCall as never,
      ),
    ),
  );
  let sent: Sent | undefined;
  const { answers, statuses } = await path.resolveEach(prepared, async (missing) => {
    const inputs = missing.map((m) => m.params.input as string);
    const whole = inputs.length === texts.length;
    const input = typeof params.input === 'string' || whole ? params.input : inputs;
    const started = performance.now();
    const pending = upstream(whole ? params : { ...params, input });
    const response = pending.asResponse ? await pending.asResponse() : undefined;
    const result = (await pending) as Json;
    const latencyMs = Math.round(performance.now() - started);
    sent = {
      usage: result.usage,
      model: result.model,
      requestId: response?.headers.get('x-request-id') ?? null,
    };
    const usage = isRecord(result.usage) ? result.usage : {};
    const promptTokens = typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : 0;
    const totalChars = inputs.reduce((sum, text) => sum + text.length, 0) || 1;
    const vectors: Json[] = new Array(inputs.length);
    const items = Array.isArray(result.data) ? result.data : [];
    items.forEach((item, position) => {
      if (!isRecord(item)) return;
      const index = typeof item.index === 'number' ? item.index : position;
      if (index < inputs.length) vectors[index] = item.embedding as Json;
    });
    const meta = inputs.map((text): ResponseMeta => {
      const share = Math.round((promptTokens * text.length) / totalChars);
      return {
        latencyMs,
        usage: { promptTokens: share, totalTokens: share },
        ...(typeof params.model === 'string' ? { model: params.model } : {}),
      };
    });
    return { value: vectors, meta, storable: storableResponse(path, request, result) };
  });
  const byText = new Map(unique.map((text, i) => [text, answers[i]]));
  const data = texts.map((text, index) => ({ object: 'embedding', index, embedding: byText.get(text) }));
  const used = sent as Sent | undefined;
  const body = {
    object: 'list',
    data,
    model: used?.model ?? params.model,
    usage: used?.usage ?? { prompt_tokens: 0, total_tokens: 0 },
  };
  const status: CacheStatus = statuses.includes('bypass')
    ? 'bypass'
    : statuses.includes('miss')
      ? 'miss'
      : statuses.includes('coalesced')
        ? 'coalesced'
        : 'hit';
  return {
    data: body,
    status,
    requestId: used?.requestId ?? null,
    response: () => Promise.resolve(synthesizedResponse(JSON.stringify(body), status, 'application/json')),
  };
}

/** Whether the response as a whole may be stored (the codec's check on the whole response). */
function storableResponse(
  path: CallPath<OpenAIRequest, Json, Json>,
  request: OpenAIRequest,
  result: Json,
): boolean {
  try {
    return path.codec.storable ? path.codec.storable(result, request) : true;
  } catch {
    return false;
  }
}
