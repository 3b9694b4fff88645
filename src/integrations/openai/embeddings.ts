/**
 * Embeddings with string inputs are cached per input: each string is its own entry (keyed by
 * the string, model, `dimensions`, `encoding_format` and the other body fields), only the inputs
 * found nowhere go upstream, in one request, and the response is reassembled in input order.
 * `usage` counts the tokens actually sent (0 when every input was cached). Inputs being fetched
 * by a concurrent call in this process are awaited instead of being sent again.
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
import type { ResponseMeta, ResponseRequest } from '../../index.js';
import { Budget, OVER_BUDGET, stableStringify } from '../../index.js';
import { isRecord, type Json } from './convert.js';
import type { Engine, UpstreamPromise } from './engine.js';
import { cacheRequest, keyedBody } from './keys.js';
import { type Outcome, synthesizedResponse } from './promise.js';
import type { CacheStatus, PerCallCacheOptions } from './types.js';

/** An embeddings call, before keys are computed. */
export interface EmbeddingsCall {
  params: Json;
  perCall: PerCallCacheOptions;
  operation: string;
  shared: boolean;
  upstream(params?: Json): UpstreamPromise;
}

interface Found {
  vector: unknown;
  meta: ResponseMeta;
}

/** The string inputs of a request, or `undefined` when the input is not strings (tokens). */
export function stringInputs(input: unknown): string[] | undefined {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'string'))
    return input;
  return undefined;
}

const copyOf = (vector: unknown): unknown => (Array.isArray(vector) ? [...vector] : vector);

/** Runs an embeddings call with per-input caching. */
export async function embeddingsOutcome(
  engine: Engine,
  call: EmbeddingsCall,
  texts: string[],
): Promise<Outcome> {
  const started = performance.now();
  const { params, perCall } = call;
  const ai = engine.settings.ai;
  const unique = [...new Set(texts)];
  const extra = { ...keyedBody(params, ['input']), encoding_format: params.encoding_format ?? 'float' };
  const requests = await Promise.all(
    unique.map((text) => cacheRequest(ai, 'embeddings', call.operation, text, extra, perCall.namespace)),
  );
  const found = new Map<string, Found>();
  let joined = false;
  // The lookups (in parallel) and the stores of one call share one budget of cache work.
  const budget = new Budget(ai.cache.budgetMs);
  if (perCall.forceRefresh)
    await budget.bound(Promise.all(requests.map((r) => ai.invalidate(r).catch((e) => engine.report(e)))));
  if (!perCall.noCache && !perCall.forceRefresh) {
    const looked = await budget.bound(Promise.all(requests.map((r) => engine.lookup(r, 'hit'))));
    const hits = looked === OVER_BUDGET ? [] : looked;
    hits.forEach((hit, i) => {
      if (hit?.entry.f === 'json')
        found.set(unique[i] as string, { vector: hit.entry.v, meta: hit.meta ?? {} });
    });
  }
  const flightKey = (r: ResponseRequest) =>
    `${r.operation}\u0000${stableStringify(r.options)}\u0000${r.text}`;
  if (call.shared) {
    const waits = unique.map(async (text, i) => {
      const running = found.has(text)
        ? undefined
        : engine.embeddings.get(flightKey(requests[i] as ResponseRequest));
      const result = running ? await running : undefined;
      if (!result) return;
      found.set(text, result);
      joined = true;
      ai.recordSavings(result.meta, performance.now() - started);
    });
    await Promise.all(waits);
  }
  const missing = unique.flatMap((text, i) =>
    found.has(text) ? [] : [{ text, request: requests[i] as ResponseRequest }],
  );
  let usage: unknown = { prompt_tokens: 0, total_tokens: 0 };
  let model = params.model;
  let requestId: string | null = null;
  if (missing.length > 0) {
    const sent = await fetchMissing(engine, call, texts, missing, flightKey, budget);
    for (const [text, value] of sent.found) found.set(text, value);
    ({ usage, requestId } = sent);
    model = sent.model ?? model;
  }
  const data = texts.map((text, index) => ({
    object: 'embedding',
    index,
    embedding: copyOf(found.get(text)?.vector),
  }));
  const body = { object: 'list', data, model, usage };
  const status: CacheStatus = missing.length > 0 ? 'miss' : joined ? 'coalesced' : 'hit';
  return {
    data: body,
    status,
    requestId,
    response: () => Promise.resolve(synthesizedResponse(JSON.stringify(body), status, 'application/json')),
  };
}

interface Sent {
  found: Map<string, Found>;
  usage: unknown;
  model: unknown;
  requestId: string | null;
}

/** Sends the missing inputs in one request, stores their vectors, settles their flights. */
async function fetchMissing(
  engine: Engine,
  call: EmbeddingsCall,
  texts: string[],
  missing: { text: string; request: ResponseRequest }[],
  flightKey: (request: ResponseRequest) => string,
  budget: Budget,
): Promise<Sent> {
  const { params } = call;
  const settle = new Map<string, (value: Found | undefined) => void>();
  if (call.shared) {
    for (const { request } of missing) {
      const key = flightKey(request);
      engine.embeddings.set(key, new Promise((resolve) => settle.set(key, resolve)));
    }
  }
  const found = new Map<string, Found>();
  try {
    const started = performance.now();
    const whole = missing.length === texts.length;
    const input = typeof params.input === 'string' || whole ? params.input : missing.map((m) => m.text);
    const pending = call.upstream(whole ? params : { ...params, input });
    const response = pending.asResponse ? await pending.asResponse() : undefined;
    const result = (await pending) as Json;
    const latencyMs = Math.round(performance.now() - started);
    const cacheable = engine.cacheable({ endpoint: 'embeddings', params }, result);
    const usage = isRecord(result.usage) ? result.usage : {};
    const promptTokens = typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : 0;
    const totalChars = missing.reduce((sum, m) => sum + m.text.length, 0) || 1;
    const items = Array.isArray(result.data) ? result.data : [];
    // Every vector is handed out synchronously below; only the stores are awaited (within budget).
    await budget.bound(
      Promise.all(
        items.map(async (item, position) => {
          if (!isRecord(item)) return;
          const index = typeof item.index === 'number' ? item.index : position;
          const target = missing[index];
          if (!target) return;
          const share = Math.round((promptTokens * target.text.length) / totalChars);
          const meta: ResponseMeta = { latencyMs, usage: { promptTokens: share, totalTokens: share } };
          if (typeof params.model === 'string') meta.model = params.model;
          found.set(target.text, { vector: item.embedding, meta });
          settle.get(flightKey(target.request))?.({ vector: item.embedding, meta });
          const vector = item.embedding;
          const storable = (typeof vector === 'string' || Array.isArray(vector)) && vector.length > 0;
          if (cacheable && storable && !call.perCall.noStore) {
            await engine.store(call, target.request, { f: 'json', v: vector }, meta);
          }
        }),
      ),
    );
    return {
      found,
      usage: result.usage,
      model: result.model,
      requestId: response?.headers.get('x-request-id') ?? null,
    };
  } finally {
    for (const { request } of missing) {
      const key = flightKey(request);
      settle.get(key)?.(undefined);
      if (settle.has(key)) engine.embeddings.delete(key);
    }
  }
}
