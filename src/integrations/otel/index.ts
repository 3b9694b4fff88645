/**
 * `ai-response-cache/otel`: OpenTelemetry spans and metrics for a {@link Cache} or an
 * {@link AIResponseCache}, through `@opentelemetry/api` only (an optional peer).
 *
 * ```ts
 * import { instrumentCache } from 'ai-response-cache/otel';
 *
 * const dispose = instrumentCache(ai); // the global tracer and meter providers
 * // later: dispose();
 * ```
 *
 * With no SDK registered the API's providers are no-ops: nothing is recorded, nothing throws.
 * Attributes never carry prompt text, options or a key in clear: `cache.key` is set only for
 * keys in the hashed form events give (`prefix:…:ai:{operation}:#<hash>`).
 *
 * @module
 */
import { type Meter, metrics, type Tracer, trace } from '@opentelemetry/api';
import { AIResponseCache, type Cache, type CacheEvent, type CacheEventName } from '../../index.js';
import { LabelCap, namespaceOfKey } from './labels.js';
import { createMetrics } from './metrics.js';
import { type SystemOf, spanOfEvent, traceAnswers, traceResolve } from './spans.js';

export { aiOperationOfKey, hashedKey, namespaceOfKey } from './labels.js';
export type { SystemOf } from './spans.js';

/** Options of {@link instrumentCache}. */
export interface InstrumentCacheOptions {
  /** Tracer of the spans. @default `trace.getTracer('ai-response-cache')` (the global provider's) */
  tracer?: Tracer;
  /** Meter of the metrics. @default `metrics.getMeter('ai-response-cache')` (the global provider's) */
  meter?: Meter;
  /** Record spans. @default true */
  spans?: boolean;
  /** Record metrics. @default true */
  metrics?: boolean;
  /** Prefix of every metric name. @default 'ai_response_cache.' */
  prefix?: string;
  /** Distinct values kept per attribute (`namespace`, `operation`); later ones become `other`. @default 20 */
  maxLabelValues?: number;
  /**
   * The `namespace` attribute of an event's full key. Must never return key text.
   * @default {@link namespaceOfKey}: the namespace path (`tenant`, `ns1/ns2`), or `'default'`
   */
  namespaceOf?: (key: string) => string;
  /** Buckets of the latency histogram, in seconds. @default [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] */
  buckets?: number[];
  /**
   * `gen_ai.system` of an answer's spans (e.g. `'openai'`): a string, or a function of the
   * request. @default the request's `options.system` or `options.provider` when it is a string
   */
  system?: string | SystemOf;
}

/** Removes what {@link instrumentCache} added (listeners, observation, wrapped methods). Idempotent. */
export type CacheInstrumentationDisposer = () => void;

const EVENTS: readonly CacheEventName[] = ['hit', 'miss', 'set', 'delete', 'clear', 'error'];

const defaultSystemOf: SystemOf = (request) => {
  const named = request.options?.system ?? request.options?.provider;
  return typeof named === 'string' ? named : undefined;
};

/**
 * Instruments `target` (a {@link Cache} or an {@link AIResponseCache}) with OpenTelemetry.
 *
 * **Spans** (`SpanKind.INTERNAL`): one per cache event of the cache and of every namespace view
 * sharing it, named `cache.get`, `cache.set`, `cache.delete`, `cache.clear` (`cache.{op}` for an error),
 * with `cache.status` (`hit`, `miss`, `set`, `delete`, `clear`, `error`),
 * `cache.operation`, `cache.tier`, `cache.namespace`, `cache.bytes`, `cache.backend`, `cache.key`
 * (hashed form only) and, for answers, `ai_response_cache.operation`; errors set the span status
 * and `error.type` (the error code or class, never its message); hits and misses are `cache.get` spans whose `cache.operation` tells the operation. Calls of `target.getOrSet` /
 * `target.resolve` (of `ai.cache` for an AIResponseCache) get a `cache.getOrSet` span with
 * their real `cache.status` (`hit`, `miss`, `stale`, `coalesced`, `bypass`) and a child
 * `cache.produce` span around the producer. For an AIResponseCache, `lookupResponse` /
 * `getResponse` (which the LLM client wrappers use) get an `ai_response_cache.lookup` span
 * (`cache.status` hit / miss) and `cacheResponse` an `ai_response_cache.store` span, with
 * `gen_ai.system`, `gen_ai.request.model`, `gen_ai.response.model`,
 * `gen_ai.usage.input_tokens` and `gen_ai.usage.output_tokens` when known (on a hit: the usage
 * the hit saved).
 *
 * **Metrics** (names after the prefix; attributes as the Prometheus collector's labels):
 * counters `hits{op,tier,namespace}`, `misses{op,namespace}`, `sets{namespace}`,
 * `deletes{namespace}`, `errors{op,tier,namespace}`, `coalesced{op,namespace}`,
 * `stored_bytes{namespace}`; histogram `operation.duration{op,tier}` (seconds); observed at
 * collection: `l1.entries`, `l1.bytes`, `degraded`, `breaker.state` (0 closed, 1 half-open,
 * 2 open), `breaker.opened`; for an AIResponseCache also `ai.requests{operation,result}`,
 * `ai.sets{operation}`, `savings.upstream_calls_avoided`, `savings.tokens{kind}`,
 * `savings.cost_usd` and `savings.latency` (seconds).
 *
 * @returns a disposer: removes the listeners and the observation callback and restores the
 *   wrapped methods (instruments themselves cannot be unregistered in OpenTelemetry).
 */
export function instrumentCache(
  target: Cache | AIResponseCache,
  options: InstrumentCacheOptions = {},
): CacheInstrumentationDisposer {
  const ai = target instanceof AIResponseCache ? target : undefined;
  const cache = ai ? ai.cache : (target as Cache);
  const namespaceOf = options.namespaceOf ?? namespaceOfKey;
  const namespaces = new LabelCap(options.maxLabelValues ?? 20);
  const operations = new LabelCap(options.maxLabelValues ?? 20);
  const tracer =
    options.spans === false ? undefined : (options.tracer ?? trace.getTracer('ai-response-cache'));
  const instruments =
    options.metrics === false
      ? undefined
      : createMetrics({
          meter: options.meter ?? metrics.getMeter('ai-response-cache'),
          prefix: options.prefix ?? 'ai_response_cache.',
          target,
          cache,
          namespaces,
          operations,
          namespaceOf,
          buckets: options.buckets ?? [
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
          ],
        });
  const onEvent = (e: CacheEvent) => {
    instruments?.record(e);
    if (tracer) spanOfEvent(tracer, e, e.key === '' ? 'default' : namespaces.value(namespaceOf(e.key)));
  };
  const undo: Array<() => void> = EVENTS.map((name) => cache.on(name, onEvent));
  if (tracer || instruments)
    undo.push(traceResolve(tracer, cache, namespaceOf, (ns) => instruments?.coalesced(ns)));
  if (tracer && ai) {
    const system = options.system;
    const systemOf: SystemOf =
      typeof system === 'function' ? system : system === undefined ? defaultSystemOf : () => system;
    undo.push(traceAnswers(tracer, ai, systemOf));
  }
  if (instruments) undo.push(() => instruments.dispose());
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const fn of undo.splice(0)) fn();
  };
}
