/**
 * The metrics of `instrumentCache`: the Prometheus collector's set, through an OpenTelemetry
 * `Meter`. Counters and the latency histogram are fed by cache events; gauges and the AI
 * counters are observed from `stats()` when the SDK collects.
 *
 * @module
 */
import type { Attributes, BatchObservableCallback, Meter, Observable } from '@opentelemetry/api';
import { AIResponseCache, type Cache, type CacheEvent } from '../../index.js';
import type { LabelCap } from './labels.js';

const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** What the metrics need to know about their target. */
export interface MetricsContext {
  meter: Meter;
  prefix: string;
  target: Cache | AIResponseCache;
  cache: Cache;
  namespaces: LabelCap;
  operations: LabelCap;
  namespaceOf: (key: string) => string;
  buckets: number[];
}

/** Event handlers and the observation of one instrumented cache. */
export interface CacheMetricInstruments {
  /** Records one cache event. */
  record(event: CacheEvent): void;
  /** Counts a `getOrSet` whose value was shared with a concurrent call. */
  coalesced(namespace: string): void;
  /** Stops observing `stats()`. */
  dispose(): void;
}

/** Creates the instruments (names without the prefix: see `instrumentCache`). */
export function createMetrics(c: MetricsContext): CacheMetricInstruments {
  const { meter, prefix: p, cache } = c;
  const hits = meter.createCounter(`${p}hits`, { description: 'Cache hits' });
  const misses = meter.createCounter(`${p}misses`, { description: 'Cache misses' });
  const sets = meter.createCounter(`${p}sets`, { description: 'Entries written' });
  const deletes = meter.createCounter(`${p}deletes`, { description: 'Entries deleted' });
  const errors = meter.createCounter(`${p}errors`, {
    description: 'Cache errors (a summary event counts every folded error)',
  });
  const coalesced = meter.createCounter(`${p}coalesced`, {
    description: 'getOrSet calls answered by a concurrent identical call',
  });
  const bytes = meter.createCounter(`${p}stored_bytes`, { description: 'Encoded bytes written', unit: 'By' });
  const duration = meter.createHistogram(`${p}operation.duration`, {
    description: 'Duration of cache operations',
    unit: 's',
    advice: { explicitBucketBoundaries: c.buckets },
  });

  const l1Entries = meter.createObservableGauge(`${p}l1.entries`, { description: 'Entries in the L1 tier' });
  const l1Bytes = meter.createObservableGauge(`${p}l1.bytes`, {
    description: 'Bytes held by the L1 tier',
    unit: 'By',
  });
  const degraded = meter.createObservableGauge(`${p}degraded`, {
    description: '1 while the backend is failing',
  });
  const breakerState = meter.createObservableGauge(`${p}breaker.state`, {
    description: 'Circuit breaker: 0 closed, 1 half-open, 2 open (absent without a breaker)',
  });
  const breakerOpened = meter.createObservableCounter(`${p}breaker.opened`, {
    description: 'Times the breaker opened',
  });
  const observables: Observable[] = [l1Entries, l1Bytes, degraded, breakerState, breakerOpened];
  const ai = c.target instanceof AIResponseCache ? c.target : undefined;
  const aiRequests = meter.createObservableCounter(`${p}ai.requests`, {
    description: 'AI lookups by operation and result',
  });
  const aiSets = meter.createObservableCounter(`${p}ai.sets`, {
    description: 'AI answers stored by operation',
  });
  const avoided = meter.createObservableCounter(`${p}savings.upstream_calls_avoided`, {
    description: 'Upstream calls answered from the cache',
  });
  const tokens = meter.createObservableCounter(`${p}savings.tokens`, {
    description: 'Tokens not spent thanks to the cache',
  });
  const cost = meter.createObservableCounter(`${p}savings.cost_usd`, {
    description: 'Dollars not spent thanks to the cache',
    unit: 'USD',
  });
  const latency = meter.createObservableCounter(`${p}savings.latency`, {
    description: 'Upstream latency avoided',
    unit: 's',
  });
  if (ai) observables.push(aiRequests, aiSets, avoided, tokens, cost, latency);

  const observe: BatchObservableCallback = (result) => {
    const s = cache.stats();
    result.observe(l1Entries, s.l1.entries);
    result.observe(l1Bytes, s.l1.bytes);
    result.observe(degraded, s.degraded ? 1 : 0);
    if (s.breaker) result.observe(breakerState, BREAKER_VALUE[s.breaker.state]);
    result.observe(breakerOpened, s.breaker?.opened ?? 0);
    if (!ai) return;
    const a = ai.stats();
    // Folded operations add up under `other`.
    const byOperation = new Map<string, { hits: number; misses: number; sets: number }>();
    for (const [op, slice] of Object.entries(a.operations)) {
      const operation = c.operations.value(op);
      const sum = byOperation.get(operation) ?? { hits: 0, misses: 0, sets: 0 };
      sum.hits += slice.hits;
      sum.misses += slice.misses;
      sum.sets += slice.sets;
      byOperation.set(operation, sum);
    }
    for (const [operation, sum] of byOperation) {
      result.observe(aiRequests, sum.hits, { operation, result: 'hit' });
      result.observe(aiRequests, sum.misses, { operation, result: 'miss' });
      result.observe(aiSets, sum.sets, { operation });
    }
    result.observe(avoided, a.savings.upstreamCallsAvoided);
    result.observe(tokens, a.savings.tokens.prompt, { kind: 'prompt' });
    result.observe(tokens, a.savings.tokens.completion, { kind: 'completion' });
    result.observe(tokens, a.savings.tokens.total, { kind: 'total' });
    result.observe(cost, a.savings.costUsd);
    result.observe(latency, a.savings.latencyMs / 1000);
  };
  meter.addBatchObservableCallback(observe, observables);

  const ns = (key: string) => c.namespaces.value(key === '' ? 'default' : c.namespaceOf(key));
  const timed = (e: CacheEvent) => {
    if (e.durationMs !== undefined) duration.record(e.durationMs / 1000, { op: e.op, tier: e.tier });
  };
  return {
    record(e) {
      switch (e.type) {
        case 'hit':
          hits.add(1, { op: e.op, tier: e.tier, namespace: ns(e.key) });
          timed(e);
          return;
        case 'miss':
          misses.add(1, { op: e.op, namespace: ns(e.key) });
          timed(e);
          return;
        case 'set': {
          const attributes: Attributes = { namespace: ns(e.key) };
          sets.add(1, attributes);
          if (e.bytes !== undefined) bytes.add(e.bytes, attributes);
          timed(e);
          return;
        }
        case 'delete':
          deletes.add(1, { namespace: ns(e.key) });
          timed(e);
          return;
        case 'error': {
          const suppressed = typeof e.detail?.suppressed === 'number' ? e.detail.suppressed : 0;
          errors.add(1 + suppressed, { op: e.op, tier: e.tier, namespace: ns(e.key) });
          return;
        }
        default:
          return;
      }
    },
    coalesced(namespace) {
      coalesced.add(1, { op: 'getOrSet', namespace: c.namespaces.value(namespace) });
    },
    dispose() {
      meter.removeBatchObservableCallback(observe, observables);
    },
  };
}
