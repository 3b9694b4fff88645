/**
 * `registerCacheMetrics`: a scripted workload on a real prom-client `Registry`, asserting the
 * values of its text output.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { AIResponseCache, type Cache, createCache, MemoryBackend } from '../../src/index.js';
import { defaultNamespaceOf, registerCacheMetrics } from '../../src/integrations/prometheus/index.js';
import { ControlledBackend } from '../helpers/health-backend.js';

/** The value of one sample line (`name{labels} value`) of the text output. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = new Map(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    if (got.size === wanted.length && wanted.every(([k, v]) => got.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

const toClose: Array<Cache | AIResponseCache> = [];
afterEach(async () => {
  await Promise.all(toClose.splice(0).map((c) => c.close()));
});

describe('registerCacheMetrics on a Cache', () => {
  it('counts hits, misses, sets, deletes and bytes and reports the L1 size', async () => {
    const registry = new Registry();
    const cache = createCache({ prefix: 'metrics', backend: new MemoryBackend() });
    toClose.push(cache);
    registerCacheMetrics(cache, { registry, prefix: 'c_' });

    await cache.set('a', { n: 1 });
    await cache.set('b', 'two');
    expect(await cache.get('a')).toEqual({ n: 1 });
    expect(await cache.get('a')).toEqual({ n: 1 });
    expect(await cache.get('missing')).toBeUndefined();
    await cache.delete('b');

    const text = await registry.metrics();
    expect(sample(text, 'c_hits_total', { op: 'get', tier: 'l1', namespace: 'default' })).toBe(2);
    expect(sample(text, 'c_misses_total', { op: 'get', namespace: 'default' })).toBe(1);
    expect(sample(text, 'c_sets_total', { namespace: 'default' })).toBe(2);
    expect(sample(text, 'c_deletes_total', { namespace: 'default' })).toBe(1);
    expect(sample(text, 'c_stored_bytes_total', { namespace: 'default' })).toBeGreaterThan(0);
    expect(sample(text, 'c_l1_entries')).toBe(1);
    expect(sample(text, 'c_l1_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'c_degraded')).toBe(0);
    const s = cache.stats();
    expect(s.hits).toBe(2);
    expect(s.misses).toBe(1);
    // every measured hit is in the histogram
    expect(sample(text, 'c_operation_duration_seconds_count', { op: 'get', tier: 'l1' })).toBe(2);
    // no key text in any label
    expect(text).not.toContain('missing');
    expect(text).not.toMatch(/metrics:/);
  });

  it('labels namespaces by their path, never by key text', () => {
    expect(defaultNamespaceOf('p::user:1')).toBe('default');
    expect(defaultNamespaceOf('p:n1:n2::x::y')).toBe('n1/n2');
    expect(defaultNamespaceOf('p:#:cb5a01e5cf3a4a7d')).toBe('default');
    expect(defaultNamespaceOf('p:n1:#:cb5a01e5cf3a4a7d')).toBe('n1');
    expect(defaultNamespaceOf('ai-cache:ai:summarize:#5a16ccdaa55f0013')).toBe('default');
    expect(defaultNamespaceOf('ai-cache:@acme:@eu:ai:summarize:#5a16ccdaa55f0013')).toBe('acme/eu');
    expect(defaultNamespaceOf('ai-cache:@acme::g')).toBe('acme');
    expect(defaultNamespaceOf('p::@secret:ai:x')).toBe('default');
    expect(defaultNamespaceOf('')).toBe('default');
  });

  it('folds namespaces past maxLabelValues into other', async () => {
    const registry = new Registry();
    const cache = createCache({ prefix: 'metrics', backend: new MemoryBackend() });
    toClose.push(cache);
    registerCacheMetrics(cache, { registry, prefix: 'c_', maxLabelValues: 2 });
    for (const tenant of ['t1', 't2', 't3', 't4']) await cache.namespace(`@${tenant}`).set('k', 1);
    const text = await registry.metrics();
    expect(sample(text, 'c_sets_total', { namespace: 't1' })).toBe(1);
    expect(sample(text, 'c_sets_total', { namespace: 't2' })).toBe(1);
    expect(sample(text, 'c_sets_total', { namespace: 'other' })).toBe(2);
    expect(sample(text, 'c_sets_total', { namespace: 't3' })).toBeUndefined();
  });

  it('counts errors with their op and tier', async () => {
    const registry = new Registry();
    const failing = new MemoryBackend();
    failing.get = async () => {
      throw new Error('disk on fire');
    };
    const cache = createCache({
      prefix: 'metrics',
      backend: failing,
      l1: false,
      errorEvents: { intervalMs: 0 },
    });
    toClose.push(cache);
    registerCacheMetrics(cache, { registry, prefix: 'c_' });
    expect(await cache.get('x')).toBeUndefined();
    expect(await cache.get('y')).toBeUndefined();
    const text = await registry.metrics();
    const errorLines = text.split('\n').filter((l) => l.startsWith('c_errors_total{'));
    const total = errorLines.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    expect(total).toBe(cache.stats().errors);
    expect(total).toBeGreaterThanOrEqual(2);
  });

  it('reports the breaker state and how often it opened at scrape time', async () => {
    const registry = new Registry();
    const backend = new ControlledBackend();
    const cache = createCache({ prefix: 'metrics', backend });
    toClose.push(cache);
    registerCacheMetrics(cache, { registry, prefix: 'c_' });
    expect(sample(await registry.metrics(), 'c_breaker_state')).toBe(0);
    backend.health.set('open');
    let text = await registry.metrics();
    expect(sample(text, 'c_breaker_state')).toBe(2);
    expect(sample(text, 'c_breaker_opened_total')).toBe(1);
    backend.health.set('half-open');
    text = await registry.metrics();
    expect(sample(text, 'c_breaker_state')).toBe(1);
    expect(sample(text, 'c_breaker_opened_total')).toBe(1);
  });

  it('unregister removes the metrics and the listeners', async () => {
    const registry = new Registry();
    const cache = createCache({ prefix: 'metrics', backend: new MemoryBackend() });
    toClose.push(cache);
    const metrics = registerCacheMetrics(cache, { registry, prefix: 'c_' });
    metrics.unregister();
    metrics.unregister();
    expect(await registry.metrics()).toBe('\n');
    // registering again works (names are free)
    registerCacheMetrics(cache, { registry, prefix: 'c_' });
    await cache.set('a', 1);
    expect(sample(await registry.metrics(), 'c_sets_total', { namespace: 'default' })).toBe(1);
  });
});

describe('registerCacheMetrics on an AIResponseCache', () => {
  it('reports per-operation counters and savings', async () => {
    const registry = new Registry();
    const ai = new AIResponseCache({
      backend: new MemoryBackend(),
      prices: { 'gpt-test': { input: 1, output: 2 } },
    });
    toClose.push(ai);
    await ai.connect();
    registerCacheMetrics(ai, { registry, prefix: 'ai_' });

    const meta = {
      model: 'gpt-test',
      usage: { promptTokens: 100, completionTokens: 50, totalTokens: 150 },
      latencyMs: 800,
    };
    await ai.cacheResponse({
      text: 'secret prompt text',
      operation: 'summarize',
      response: { s: 'x' },
      meta,
    });
    await ai
      .namespace('acme')
      .cacheResponse({ text: 'secret prompt text', operation: 'summarize', response: 1 });
    expect(await ai.getResponse({ text: 'secret prompt text', operation: 'summarize' })).toEqual({ s: 'x' });
    expect(await ai.getResponse({ text: 'secret prompt text', operation: 'summarize' })).toEqual({ s: 'x' });
    expect(await ai.getResponse({ text: 'other', operation: 'sentiment' })).toBeUndefined();

    const text = await registry.metrics();
    expect(sample(text, 'ai_ai_requests_total', { operation: 'summarize', result: 'hit' })).toBe(2);
    expect(sample(text, 'ai_ai_requests_total', { operation: 'sentiment', result: 'miss' })).toBe(1);
    expect(sample(text, 'ai_ai_sets_total', { operation: 'summarize' })).toBe(1);
    expect(sample(text, 'ai_savings_upstream_calls_avoided_total')).toBe(2);
    expect(sample(text, 'ai_savings_tokens_total', { kind: 'prompt' })).toBe(200);
    expect(sample(text, 'ai_savings_tokens_total', { kind: 'completion' })).toBe(100);
    expect(sample(text, 'ai_savings_tokens_total', { kind: 'total' })).toBe(300);
    expect(sample(text, 'ai_savings_cost_usd_total')).toBeCloseTo(ai.stats().savings.costUsd, 10);
    expect(sample(text, 'ai_savings_cost_usd_total')).toBeCloseTo(0.0004, 12);
    expect(
      sample(text, 'ai_hits_total', { op: 'get', tier: 'l1', namespace: 'default' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'ai_sets_total', { namespace: 'default' })).toBe(1);
    expect(sample(text, 'ai_sets_total', { namespace: 'acme' })).toBe(1);
    expect(text).not.toContain('secret');
  });
});
