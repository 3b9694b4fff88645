/**
 * `ai-response-cache/prometheus`: prom-client metrics for a {@link Cache} or an
 * {@link AIResponseCache}.
 *
 * ```ts
 * import { register } from 'prom-client';
 * import { registerCacheMetrics } from 'ai-response-cache/prometheus';
 *
 * const metrics = registerCacheMetrics(ai, { registry: register });
 * // later: metrics.unregister();
 * ```
 *
 * Counters and histograms are fed by the cache's events (listeners exist only while registered,
 * so an unregistered cache pays nothing); gauges (L1 size, breaker, savings, per-operation AI
 * counters) read `stats()` when Prometheus scrapes. Labels never carry keys or prompt text:
 * `op` and `tier` are fixed enums, `namespace` is the namespace path of a key (or `default`, see {@link defaultNamespaceOf}), and
 * `operation` (AI) is the operation name; past `maxLabelValues` distinct values a label folds
 * into `other`.
 *
 * @module
 */
import { Counter, register as defaultRegistry, Gauge, Histogram, type Registry } from 'prom-client';
import {
  AIResponseCache,
  type Cache,
  type CacheEvent,
  type CacheEventName,
  LabelCap,
  namespaceOfKey,
} from '../../index.js';

/** Options of {@link registerCacheMetrics}. */
export interface CacheMetricsOptions {
  /** Registry the metrics are registered in. @default prom-client's global `register` */
  registry?: Registry;
  /** Prefix of every metric name. @default 'ai_response_cache_' */
  prefix?: string;
  /** Distinct values kept per label (`namespace`, `operation`); later ones become `other`. @default 20 */
  maxLabelValues?: number;
  /**
   * The `namespace` label of an event's full key. Must never return key text.
   * @default {@link defaultNamespaceOf}: the namespace path (`tenant`, `ns1/ns2`), or `'default'`
   */
  namespaceOf?: (key: string) => string;
  /** Buckets of the latency histogram, in seconds. @default [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] */
  buckets?: number[];
}

/** What {@link registerCacheMetrics} returns. */
export interface CacheMetrics {
  /** Removes the listeners and the metrics from the registry. Idempotent. */
  unregister(): void;
}

const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * The namespace path of a full key (`tenant`, `ns1/ns2`, `default` for none): the core's
 * `namespaceOfKey`, shared with the OpenTelemetry export and the fleet statistics.
 */
export const defaultNamespaceOf: (key: string) => string = namespaceOfKey;

/**
 * Registers Prometheus metrics for `target` (names below without the prefix):
 * `hits_total{op,tier,namespace}`, `misses_total{op,namespace}`, `sets_total{namespace}`,
 * `deletes_total{namespace}`, `errors_total{op,tier,namespace}`,
 * `operation_duration_seconds{op,tier}` (histogram), `stored_bytes_total{namespace}`,
 * `l1_entries`, `l1_bytes`, `degraded`, `breaker_state` (0 closed, 1 half-open, 2 open),
 * `breaker_opened_total`; for an {@link AIResponseCache} also `ai_requests_total{operation,result}`
 * (`hit` / `miss`), `ai_sets_total{operation}`, `savings_upstream_calls_avoided_total`,
 * `savings_tokens_total{kind}` (`prompt` / `completion` / `total`), `savings_cost_usd_total`
 * and `savings_latency_seconds_total`.
 * Throws prom-client's error when a metric of the same name is already registered.
 */
export function registerCacheMetrics(
  target: Cache | AIResponseCache,
  options: CacheMetricsOptions = {},
): CacheMetrics {
  const registry = options.registry ?? defaultRegistry;
  const p = options.prefix ?? 'ai_response_cache_';
  const max = options.maxLabelValues ?? 20;
  const namespaceOf = options.namespaceOf ?? defaultNamespaceOf;
  const namespaces = new LabelCap(max);
  const operations = new LabelCap(max);
  const registers = [registry];
  const names: string[] = [];
  const track = <M extends { get(): unknown }>(name: string, make: (name: string) => M): M => {
    names.push(p + name);
    return make(p + name);
  };

  const hits = track(
    'hits_total',
    (name) => new Counter({ name, help: 'Cache hits', labelNames: ['op', 'tier', 'namespace'], registers }),
  );
  const misses = track(
    'misses_total',
    (name) => new Counter({ name, help: 'Cache misses', labelNames: ['op', 'namespace'], registers }),
  );
  const sets = track(
    'sets_total',
    (name) => new Counter({ name, help: 'Entries written', labelNames: ['namespace'], registers }),
  );
  const deletes = track(
    'deletes_total',
    (name) => new Counter({ name, help: 'Entries deleted', labelNames: ['namespace'], registers }),
  );
  const errors = track(
    'errors_total',
    (name) =>
      new Counter({
        name,
        help: 'Cache errors (a summary event counts every folded error)',
        labelNames: ['op', 'tier', 'namespace'],
        registers,
      }),
  );
  const bytes = track(
    'stored_bytes_total',
    (name) => new Counter({ name, help: 'Encoded bytes written', labelNames: ['namespace'], registers }),
  );
  const duration = track(
    'operation_duration_seconds',
    (name) =>
      new Histogram({
        name,
        help: 'Duration of cache operations',
        labelNames: ['op', 'tier'],
        buckets: options.buckets ?? [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers,
      }),
  );

  const isAi = target instanceof AIResponseCache;
  const cache = isAi ? target.cache : target;
  const gauge = (name: string, help: string, read: (g: Gauge) => void, labelNames: string[] = []) =>
    track(
      name,
      (full) =>
        new Gauge({
          name: full,
          help,
          labelNames,
          registers,
          collect() {
            read(this);
          },
        }),
    );

  gauge('l1_entries', 'Entries in the L1 tier', (g) => g.set(cache.stats().l1.entries));
  gauge('l1_bytes', 'Bytes held by the L1 tier', (g) => g.set(cache.stats().l1.bytes));
  gauge('degraded', '1 while the backend is failing', (g) => g.set(cache.stats().degraded ? 1 : 0));
  gauge('breaker_state', 'Circuit breaker: 0 closed, 1 half-open, 2 open (absent without a breaker)', (g) => {
    const b = cache.stats().breaker;
    g.reset();
    if (b) g.set(BREAKER_VALUE[b.state]);
  });
  gauge('breaker_opened_total', 'Times the breaker opened', (g) => g.set(cache.stats().breaker?.opened ?? 0));

  if (target instanceof AIResponseCache) {
    const ai = target;
    gauge(
      'ai_requests_total',
      'AI lookups by operation and result',
      (g) => {
        g.reset();
        for (const [op, s] of Object.entries(ai.stats().operations)) {
          const operation = operations.value(op);
          g.inc({ operation, result: 'hit' }, s.hits);
          g.inc({ operation, result: 'miss' }, s.misses);
        }
      },
      ['operation', 'result'],
    );
    gauge(
      'ai_sets_total',
      'AI answers stored by operation',
      (g) => {
        g.reset();
        for (const [op, s] of Object.entries(ai.stats().operations))
          g.inc({ operation: operations.value(op) }, s.sets);
      },
      ['operation'],
    );
    gauge('savings_upstream_calls_avoided_total', 'Upstream calls answered from the cache', (g) =>
      g.set(ai.stats().savings.upstreamCallsAvoided),
    );
    gauge(
      'savings_tokens_total',
      'Tokens not spent thanks to the cache',
      (g) => {
        const t = ai.stats().savings.tokens;
        g.set({ kind: 'prompt' }, t.prompt);
        g.set({ kind: 'completion' }, t.completion);
        g.set({ kind: 'total' }, t.total);
      },
      ['kind'],
    );
    gauge('savings_cost_usd_total', 'Dollars not spent thanks to the cache', (g) =>
      g.set(ai.stats().savings.costUsd),
    );
    gauge('savings_latency_seconds_total', 'Upstream latency avoided', (g) =>
      g.set(ai.stats().savings.latencyMs / 1000),
    );
  }

  const observe = (e: CacheEvent) => {
    if (e.durationMs !== undefined) duration.observe({ op: e.op, tier: e.tier }, e.durationMs / 1000);
  };
  const listeners: Array<[CacheEventName, (e: CacheEvent) => void]> = [
    [
      'hit',
      (e) => {
        hits.inc({ op: e.op, tier: e.tier, namespace: namespaces.value(namespaceOf(e.key)) });
        observe(e);
      },
    ],
    [
      'miss',
      (e) => {
        misses.inc({ op: e.op, namespace: namespaces.value(namespaceOf(e.key)) });
        observe(e);
      },
    ],
    [
      'set',
      (e) => {
        const namespace = namespaces.value(namespaceOf(e.key));
        sets.inc({ namespace });
        if (e.bytes !== undefined) bytes.inc({ namespace }, e.bytes);
        observe(e);
      },
    ],
    [
      'delete',
      (e) => {
        deletes.inc({ namespace: namespaces.value(namespaceOf(e.key)) });
        observe(e);
      },
    ],
    [
      'error',
      (e) => {
        const suppressed = typeof e.detail?.suppressed === 'number' ? e.detail.suppressed : 0;
        errors.inc(
          {
            op: e.op,
            tier: e.tier,
            namespace: namespaces.value(e.key === '' ? 'default' : namespaceOf(e.key)),
          },
          1 + suppressed,
        );
      },
    ],
  ];
  const offs = listeners.map(([name, fn]) => cache.on(name, fn));

  let done = false;
  return {
    unregister() {
      if (done) return;
      done = true;
      for (const off of offs) off();
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
