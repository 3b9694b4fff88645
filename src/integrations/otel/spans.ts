/**
 * The spans of `instrumentCache`: one per cache event (its start is the event's time minus its
 * measured duration), one around each `getOrSet` / `resolve` of the instrumented cache (with the
 * real status: hit, miss, stale, coalesced, bypass), and, for an `AIResponseCache`, one around
 * each answer lookup and store with the `gen_ai.*` attributes.
 *
 * @module
 */
import {
  type Attributes,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type {
  AIResponseCache,
  Cache,
  CacheEvent,
  CacheKey,
  GetOrSetOptions,
  PreparedRequest,
  ResponseMeta,
  ResponseRequest,
} from '../../index.js';
import { aiOperationOfKey, hashedKey } from './labels.js';

/** The `error.type` of an error: its `code` when it has one, else its class name (never its message). */
function errorType(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return typeof error;
}

function fail(span: Span, error: unknown): void {
  span.setAttribute('error.type', errorType(error));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * Records one event as a finished span: `cache.get` for hits and misses, `cache.set`,
 * `cache.delete`, `cache.clear`, and `cache.{op}` for errors (`cache.operation` tells the
 * operation that caused the event, e.g. `getOrSet` for the store of a produced value).
 */
export function spanOfEvent(tracer: Tracer, e: CacheEvent, namespace: string): void {
  const end = Date.now();
  const name = e.type === 'hit' || e.type === 'miss' ? 'get' : e.type === 'error' ? e.op : e.type;
  const span = tracer.startSpan(`cache.${name}`, {
    kind: SpanKind.INTERNAL,
    startTime: end - (e.durationMs ?? 0),
  });
  if (!span.isRecording()) {
    span.end();
    return;
  }
  const attributes: Attributes = {
    'cache.operation': e.op,
    'cache.tier': e.tier,
    'cache.namespace': namespace,
    'cache.status': e.type,
  };
  const key = hashedKey(e.key);
  if (key !== undefined) attributes['cache.key'] = key;
  const operation = aiOperationOfKey(e.key);
  if (operation !== undefined) attributes['ai_response_cache.operation'] = operation;
  if (e.bytes !== undefined) attributes['cache.bytes'] = e.bytes;
  if (e.backend !== undefined) attributes['cache.backend'] = e.backend;
  if (typeof e.detail?.reason === 'string') attributes['cache.reason'] = e.detail.reason;
  span.setAttributes(attributes);
  if (e.type === 'error') fail(span, e.error);
  span.end(end);
}

/** Runs `fn` inside a new active span named `name`; `done` adds attributes from the result. */
async function within<T>(
  tracer: Tracer | undefined,
  name: string,
  attributes: Attributes,
  fn: () => Promise<T>,
  done: (span: Span, result: T) => void,
): Promise<T> {
  if (!tracer) return fn();
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes });
  try {
    const result = await context.with(trace.setSpan(context.active(), span), fn);
    if (span.isRecording()) done(span, result);
    return result;
  } catch (error) {
    fail(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Replaces a method on one instance (an own property); returns the function that restores it. */
function replaceMethod<O extends object, K extends keyof O & string>(
  target: O,
  name: K,
  make: (original: O[K]) => O[K],
): () => void {
  const original = target[name];
  const replacement = make(original);
  Object.defineProperty(target, name, { value: replacement, configurable: true, writable: true });
  return () => {
    if (Object.getOwnPropertyDescriptor(target, name)?.value === replacement)
      Reflect.deleteProperty(target, name);
  };
}

/**
 * Wraps `cache.resolve` (which `getOrSet` calls): a `cache.getOrSet` span with its status, a
 * child `cache.produce` span around the producer (no spans without a tracer), and
 * `onCoalesced` for shared values.
 */
export function traceResolve(
  tracer: Tracer | undefined,
  cache: Cache,
  namespaceOf: (key: string) => string,
  onCoalesced: (namespace: string) => void,
): () => void {
  return replaceMethod(
    cache,
    'resolve',
    (original) =>
      async function resolve(
        this: Cache,
        key: CacheKey,
        producer: () => unknown,
        options?: GetOrSetOptions<unknown>,
      ) {
        const traced = () =>
          within(
            tracer,
            'cache.produce',
            { 'cache.operation': 'getOrSet', 'cache.tier': 'producer' },
            async () => producer(),
            () => {},
          );
        const result = await within(
          tracer,
          'cache.getOrSet',
          { 'cache.operation': 'getOrSet' },
          () => original.call(cache, key, traced, options),
          (span, r) => span.setAttribute('cache.status', r.status),
        );
        if (result.status === 'coalesced') {
          const full = await cache.fullKey(key).catch(() => '');
          onCoalesced(namespaceOf(full));
        }
        return result;
      } as Cache['resolve'],
  );
}

/** How `instrumentCache` names the provider of an answer (`gen_ai.system`). */
export type SystemOf = (request: ResponseRequest) => string | undefined;

function genAiAttributes(
  request: ResponseRequest,
  meta: ResponseMeta | undefined,
  systemOf: SystemOf,
): Attributes {
  const attributes: Attributes = { 'ai_response_cache.operation': request.operation };
  const system = systemOf(request);
  if (system !== undefined) attributes['gen_ai.system'] = system;
  const model = request.options?.model;
  if (typeof model === 'string') attributes['gen_ai.request.model'] = model;
  if (meta?.model !== undefined) attributes['gen_ai.response.model'] = meta.model;
  const usage = meta?.usage;
  if (usage?.promptTokens !== undefined) attributes['gen_ai.usage.input_tokens'] = usage.promptTokens;
  if (usage?.completionTokens !== undefined)
    attributes['gen_ai.usage.output_tokens'] = usage.completionTokens;
  return attributes;
}

/**
 * Wraps `ai.lookupResponse` (which `getResponse` and the LLM client wrappers call) and
 * `ai.cacheResponse`: `ai_response_cache.lookup` spans (status `hit` / `miss`; on a hit the
 * stored model and usage, i.e. what the hit saved) and `ai_response_cache.store` spans (the
 * model and usage of the upstream call being stored). No text, options or key are recorded.
 */
export function traceAnswers(tracer: Tracer, ai: AIResponseCache, systemOf: SystemOf): () => void {
  const restoreLookup = replaceMethod(
    ai,
    'lookupResponse',
    (original) =>
      function lookupResponse(this: AIResponseCache, request: ResponseRequest) {
        return within(
          tracer,
          'ai_response_cache.lookup',
          {},
          () => original.call(ai, request),
          (span, hit) => {
            span.setAttributes(genAiAttributes(request, hit?.meta, systemOf));
            span.setAttribute('cache.status', hit ? 'hit' : 'miss');
            if (hit) span.setAttribute('cache.tier', hit.tier);
          },
        );
      } as AIResponseCache['lookupResponse'],
  );
  const restoreStore = replaceMethod(
    ai,
    'cacheResponse',
    (original) =>
      function cacheResponse(this: AIResponseCache, args) {
        return within(
          tracer,
          'ai_response_cache.store',
          {},
          () => original.call(ai, args),
          (span) => span.setAttributes(genAiAttributes(args, args.meta, systemOf)),
        );
      } as AIResponseCache['cacheResponse'],
  );
  // The LLM call path (every client wrapper) keys a call once and uses the prepared forms.
  const restorePreparedLookup = replaceMethod(
    ai,
    'lookupPrepared',
    (original) =>
      function lookupPrepared(this: AIResponseCache, prepared: PreparedRequest) {
        return within(
          tracer,
          'ai_response_cache.lookup',
          {},
          () => original.call(ai, prepared),
          (span, hit) => {
            span.setAttributes(genAiAttributes(prepared.request, hit?.meta, systemOf));
            span.setAttribute('cache.status', hit ? 'hit' : 'miss');
            if (hit) span.setAttribute('cache.tier', hit.tier);
          },
        );
      } as AIResponseCache['lookupPrepared'],
  );
  const restorePreparedStore = replaceMethod(
    ai,
    'storePrepared',
    (original) =>
      function storePrepared(this: AIResponseCache, prepared: PreparedRequest, response: unknown, options) {
        return within(
          tracer,
          'ai_response_cache.store',
          {},
          () => original.call(ai, prepared, response, options),
          (span) => span.setAttributes(genAiAttributes(prepared.request, options?.meta, systemOf)),
        );
      } as AIResponseCache['storePrepared'],
  );
  // The call path's synchronous L1 read: a span for each hit (a miss is then looked up).
  const restorePeek = replaceMethod(
    ai,
    'peekPrepared',
    (original) =>
      function peekPrepared(this: AIResponseCache, prepared: PreparedRequest) {
        const started = performance.now();
        const hit = original.call(ai, prepared);
        if (hit) {
          const span = tracer.startSpan('ai_response_cache.lookup', {
            kind: SpanKind.INTERNAL,
            startTime: performance.timeOrigin + started,
          });
          if (span.isRecording()) {
            span.setAttributes(genAiAttributes(prepared.request, hit.meta, systemOf));
            span.setAttribute('cache.status', 'hit');
            span.setAttribute('cache.tier', hit.tier);
          }
          span.end();
        }
        return hit;
      } as AIResponseCache['peekPrepared'],
  );
  return () => {
    restorePeek();
    restoreLookup();
    restoreStore();
    restorePreparedLookup();
    restorePreparedStore();
  };
}
