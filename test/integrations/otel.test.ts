/**
 * `instrumentCache`: a scripted workload recorded by the OpenTelemetry SDK's in-memory span and
 * metric exporters, asserting the spans' attributes and the metrics' values.
 */
import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { AIResponseCache, type Cache, createCache, MemoryBackend } from '../../src/index.js';
import {
  aiOperationOfKey,
  hashedKey,
  instrumentCache,
  namespaceOfKey,
} from '../../src/integrations/otel/index.js';
import { ControlledBackend } from '../helpers/health-backend.js';

/** A tracer and a meter recording into in-memory exporters. */
function sdk() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    spans,
    tracer: tracerProvider.getTracer('test'),
    meter: meterProvider.getMeter('test'),
    /** Collects now and returns the metrics by name. */
    async collect(): Promise<Map<string, MetricData>> {
      exporter.reset();
      await reader.forceFlush();
      const byName = new Map<string, MetricData>();
      for (const rm of exporter.getMetrics())
        for (const sm of rm.scopeMetrics) for (const m of sm.metrics) byName.set(m.descriptor.name, m);
      return byName;
    },
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

/** The value of the data point of `name` whose attributes are exactly `attributes`. */
function point(
  all: Map<string, MetricData>,
  name: string,
  attributes: Record<string, string> = {},
): number | Histogram | undefined {
  const m = all.get(name);
  if (!m) return undefined;
  const wanted = Object.entries(attributes);
  const found = (m.dataPoints as DataPoint<number | Histogram>[]).find(
    (p) =>
      Object.keys(p.attributes).length === wanted.length && wanted.every(([k, v]) => p.attributes[k] === v),
  );
  return found?.value;
}

const toClose: Array<Cache | AIResponseCache | { close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(toClose.splice(0).map((c) => c.close()));
});

describe('instrumentCache on a Cache', () => {
  it('counts hits, misses, sets, deletes, bytes and coalesced calls, with a latency histogram', async () => {
    const otel = sdk();
    toClose.push({ close: () => otel.shutdown() });
    const cache = createCache({ prefix: 'otel', backend: new MemoryBackend() });
    toClose.push(cache);
    instrumentCache(cache, { tracer: otel.tracer, meter: otel.meter, prefix: 'c.' });

    await cache.set('a', { n: 1 });
    await cache.set('b', 'two');
    expect(await cache.get('a')).toEqual({ n: 1 });
    expect(await cache.get('a')).toEqual({ n: 1 });
    expect(await cache.get('missing')).toBeUndefined();
    await cache.delete('b');
    let release: (v: string) => void = () => {};
    const slow = new Promise<string>((resolve) => {
      release = resolve;
    });
    const both = Promise.all([cache.getOrSet('g', () => slow), cache.getOrSet('g', () => 'never')]);
    release('made');
    expect(await both).toEqual(['made', 'made']);
    await cache.namespace('tenant').set('k', 1);

    const m = await otel.collect();
    expect(point(m, 'c.hits', { op: 'get', tier: 'l1', namespace: 'default' })).toBe(2);
    expect(point(m, 'c.misses', { op: 'get', namespace: 'default' })).toBe(3); // 'missing' + the two getOrSet lookups
    expect(point(m, 'c.sets', { namespace: 'default' })).toBe(3);
    expect(point(m, 'c.sets', { namespace: 'tenant' })).toBe(1);
    expect(point(m, 'c.deletes', { namespace: 'default' })).toBe(1);
    expect(point(m, 'c.coalesced', { op: 'getOrSet', namespace: 'default' })).toBe(1);
    expect(point(m, 'c.stored_bytes', { namespace: 'default' })).toBeGreaterThan(0);
    expect(point(m, 'c.l1.entries')).toBe(3);
    expect(point(m, 'c.l1.bytes')).toBeGreaterThan(0);
    expect(point(m, 'c.degraded')).toBe(0);
    const histogram = point(m, 'c.operation.duration', { op: 'get', tier: 'l1' }) as Histogram;
    expect(histogram.count).toBe(2);
    expect(m.get('c.operation.duration')?.descriptor.unit).toBe('s');

    const spans = otel.spans.getFinishedSpans();
    const gets = spans.filter((s) => s.name === 'cache.get');
    expect(gets.map((s) => s.attributes['cache.status']).sort()).toEqual([
      'hit',
      'hit',
      'miss',
      'miss',
      'miss',
    ]);
    expect(gets.find((s) => s.attributes['cache.status'] === 'hit')?.attributes['cache.tier']).toBe('l1');
    const getOrSets = spans.filter((s) => s.name === 'cache.getOrSet');
    expect(getOrSets.map((s) => s.attributes['cache.status']).sort()).toEqual(['coalesced', 'miss']);
    expect(spans.filter((s) => s.name === 'cache.produce')).toHaveLength(1);
    expect(spans.filter((s) => s.name === 'cache.delete')).toHaveLength(1);
    const sets = spans.filter((s) => s.name === 'cache.set');
    expect(sets.map((s) => s.attributes['cache.operation'])).toEqual(['set', 'set', 'getOrSet', 'set']);
    // generic keys are in clear: never exported
    const everything = JSON.stringify(spans.map((s) => s.attributes));
    expect(everything).not.toContain('missing');
    expect(everything).not.toContain('otel:');
  });

  it('counts errors with their op and tier and marks the span as failed', async () => {
    const otel = sdk();
    toClose.push({ close: () => otel.shutdown() });
    const failing = new MemoryBackend();
    failing.get = async () => {
      throw new Error('disk on fire');
    };
    const cache = createCache({
      prefix: 'otel',
      backend: failing,
      l1: false,
      errorEvents: { intervalMs: 0 },
    });
    toClose.push(cache);
    instrumentCache(cache, { tracer: otel.tracer, meter: otel.meter, prefix: 'c.' });
    expect(await cache.get('x')).toBeUndefined();
    expect(await cache.get('y')).toBeUndefined();
    const m = await otel.collect();
    const errors = m.get('c.errors')?.dataPoints as DataPoint<number>[];
    expect(errors.reduce((sum, p) => sum + p.value, 0)).toBe(cache.stats().errors);
    expect(point(m, 'c.errors', { op: 'get', tier: 'l2', namespace: 'default' })).toBe(2);
    const failed = otel.spans.getFinishedSpans().filter((s) => s.attributes['cache.status'] === 'error');
    expect(failed).toHaveLength(2);
    expect(failed[0]?.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(failed[0]?.attributes['error.type']).toBe('Error');
    expect(JSON.stringify(failed.map((s) => s.attributes))).not.toContain('fire');
  });

  it('folds namespaces past maxLabelValues into other', async () => {
    const otel = sdk();
    toClose.push({ close: () => otel.shutdown() });
    const cache = createCache({ prefix: 'otel', backend: new MemoryBackend() });
    toClose.push(cache);
    instrumentCache(cache, { meter: otel.meter, spans: false, prefix: 'c.', maxLabelValues: 2 });
    for (const tenant of ['t1', 't2', 't3', 't4']) await cache.namespace(`@${tenant}`).set('k', 1);
    const m = await otel.collect();
    expect(point(m, 'c.sets', { namespace: 't1' })).toBe(1);
    expect(point(m, 'c.sets', { namespace: 't2' })).toBe(1);
    expect(point(m, 'c.sets', { namespace: 'other' })).toBe(2);
    expect(point(m, 'c.sets', { namespace: 't3' })).toBeUndefined();
    expect(otel.spans.getFinishedSpans()).toHaveLength(0);
  });

  it('reports the breaker state at collection time', async () => {
    const otel = sdk();
    toClose.push({ close: () => otel.shutdown() });
    const backend = new ControlledBackend();
    const cache = createCache({ prefix: 'otel', backend });
    toClose.push(cache);
    instrumentCache(cache, { meter: otel.meter, spans: false, prefix: 'c.' });
    expect(point(await otel.collect(), 'c.breaker.state')).toBe(0);
    backend.health.set('open');
    const m = await otel.collect();
    expect(point(m, 'c.breaker.state')).toBe(2);
    expect(point(m, 'c.breaker.opened')).toBe(1);
  });

  it('the disposer removes listeners and restores the methods', async () => {
    const otel = sdk();
    toClose.push({ close: () => otel.shutdown() });
    const cache = createCache({ prefix: 'otel', backend: new MemoryBackend() });
    toClose.push(cache);
    const resolve = cache.resolve;
    const dispose = instrumentCache(cache, { tracer: otel.tracer, meter: otel.meter, prefix: 'c.' });
    expect(cache.resolve).not.toBe(resolve);
    dispose();
    dispose();
    expect(cache.resolve).toBe(resolve);
    await cache.set('a', 1);
    expect(await cache.getOrSet('b', () => 2)).toBe(2);
    expect(otel.spans.getFinishedSpans()).toHaveLength(0);
    expect(point(await otel.collect(), 'c.sets', { namespace: 'default' })).toBeUndefined();
  });

  it('records nothing and throws nothing without a registered SDK (the API no-op providers)', async () => {
    const cache = createCache({
      prefix: 'otel',
      backend: new MemoryBackend(),
      errorEvents: { intervalMs: 0 },
    });
    toClose.push(cache);
    const dispose = instrumentCache(cache);
    // the API's global providers are the no-op ones: spans do not record
    expect(trace.getTracer('ai-response-cache').startSpan('probe').isRecording()).toBe(false);
    expect(metrics.getMeterProvider().constructor.name).toBe('NoopMeterProvider');
    await cache.set('a', 1);
    expect(await cache.get('a')).toBe(1);
    expect(await cache.get('none')).toBeUndefined();
    expect(await cache.getOrSet('g', () => 'v')).toBe('v');
    await cache.delete('a');
    expect(cache.stats().hits).toBe(1);
    dispose();
  });

  it('attribute helpers never return key text', () => {
    expect(namespaceOfKey('p:n1:n2::x::y')).toBe('n1/n2');
    expect(namespaceOfKey('ai-cache:@acme:@eu:ai:summarize:#5a16ccdaa55f0013')).toBe('acme/eu');
    expect(aiOperationOfKey('ai-cache:@acme:ai:summarize:#5a16ccdaa55f0013')).toBe('summarize');
    expect(aiOperationOfKey('p::user:1')).toBeUndefined();
    expect(hashedKey('ai-cache:ai:summarize:#5a16ccdaa55f0013')).toBe(
      'ai-cache:ai:summarize:#5a16ccdaa55f0013',
    );
    expect(hashedKey('p:n1:#:cb5a01e5cf3a4a7d')).toBe('p:n1:#:cb5a01e5cf3a4a7d');
    expect(hashedKey('p::user:1')).toBeUndefined();
  });
});

describe('instrumentCache on an AIResponseCache', () => {
  it('records gen_ai spans and per-operation counters and savings', async () => {
    const otel = sdk();
    toClose.push({ close: () => otel.shutdown() });
    const ai = new AIResponseCache({
      backend: new MemoryBackend(),
      prices: { 'gpt-test': { input: 1, output: 2 } },
    });
    toClose.push(ai);
    await ai.connect();
    instrumentCache(ai, { tracer: otel.tracer, meter: otel.meter, prefix: 'ai.', system: 'openai' });

    const meta = {
      model: 'gpt-test',
      usage: { promptTokens: 100, completionTokens: 50, totalTokens: 150 },
      latencyMs: 800,
    };
    const options = { model: 'gpt-test' };
    await ai.cacheResponse({
      text: 'secret prompt text',
      operation: 'summarize',
      options,
      response: { s: 'x' },
      meta,
    });
    await ai
      .namespace('acme')
      .cacheResponse({ text: 'secret prompt text', operation: 'summarize', response: 1 });
    for (let i = 0; i < 2; i++)
      expect(await ai.getResponse({ text: 'secret prompt text', operation: 'summarize', options })).toEqual({
        s: 'x',
      });
    expect(await ai.getResponse({ text: 'other', operation: 'sentiment' })).toBeUndefined();

    const m = await otel.collect();
    expect(point(m, 'ai.ai.requests', { operation: 'summarize', result: 'hit' })).toBe(2);
    expect(point(m, 'ai.ai.requests', { operation: 'sentiment', result: 'miss' })).toBe(1);
    expect(point(m, 'ai.ai.sets', { operation: 'summarize' })).toBe(1);
    expect(point(m, 'ai.savings.upstream_calls_avoided')).toBe(2);
    expect(point(m, 'ai.savings.tokens', { kind: 'prompt' })).toBe(200);
    expect(point(m, 'ai.savings.tokens', { kind: 'completion' })).toBe(100);
    expect(point(m, 'ai.savings.tokens', { kind: 'total' })).toBe(300);
    expect(point(m, 'ai.savings.cost_usd')).toBeCloseTo(0.0004, 12);
    expect(point(m, 'ai.savings.latency')).toBeCloseTo(ai.stats().savings.latencyMs / 1000, 9);
    expect(point(m, 'ai.hits', { op: 'get', tier: 'l1', namespace: 'default' })).toBe(2);
    expect(point(m, 'ai.sets', { namespace: 'default' })).toBe(1);
    expect(point(m, 'ai.sets', { namespace: 'acme' })).toBe(1);

    const spans = otel.spans.getFinishedSpans();
    const lookups = spans.filter((s) => s.name === 'ai_response_cache.lookup');
    expect(lookups.map((s) => s.attributes['cache.status'])).toEqual(['hit', 'hit', 'miss']);
    expect(lookups[0]?.attributes).toMatchObject({
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.response.model': 'gpt-test',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 50,
      'ai_response_cache.operation': 'summarize',
      'cache.tier': 'l1',
    });
    const stores = spans.filter((s) => s.name === 'ai_response_cache.store');
    expect(stores).toHaveLength(1); // the view's store goes through the view, not the instrumented instance
    expect(stores[0]?.attributes['gen_ai.usage.input_tokens']).toBe(100);
    const sets = spans.filter((s) => s.name === 'cache.set');
    expect(sets).toHaveLength(2);
    expect(sets[0]?.attributes['cache.key']).toMatch(/^ai-cache:ai:summarize:#[0-9a-f]+$/);
    expect(sets[0]?.attributes['ai_response_cache.operation']).toBe('summarize');
    expect(JSON.stringify(spans.map((s) => [s.name, s.attributes]))).not.toContain('secret');
  });
});
