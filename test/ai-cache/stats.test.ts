import { describe, expect, it, vi } from 'vitest';
import { AIResponseCache } from '../../src/ai-cache/ai-response-cache.js';
import { AnswerStats, MAX_OPERATIONS, OTHER_OPERATIONS } from '../../src/ai-cache/stats.js';
import { Cache } from '../../src/cache/cache.js';
import type { CacheStats } from '../../src/cache/types.js';

const cacheStats = { errors: 2, degraded: false, breaker: undefined } as unknown as CacheStats;
const stored = (m?: object) => ({ v: 1 as const, r: 'answer', at: 0, ...(m ? { m } : {}) });

describe('AnswerStats', () => {
  it('counts hits, misses and sets by operation and size tier, and the tier that answered', () => {
    const stats = new AnswerStats();
    stats.miss('chat', 'small');
    stats.hit('chat', 'small', 'l1', stored(), 1);
    stats.hit('summarize', 'large', 'l2', stored(), 1);
    stats.stored('chat', 'small', { compressed: true, serializedBytes: 1000, bytes: 400 });
    const s = stats.snapshot(cacheStats, 'memory');
    expect(s).toMatchObject({
      hits: 2,
      misses: 1,
      sets: 1,
      l1Hits: 1,
      l2Hits: 1,
      errors: 2,
      backend: 'memory',
    });
    expect(s.hitRatio).toBeCloseTo(2 / 3);
    expect(s.operations.chat).toEqual({ hits: 1, misses: 1, sets: 1, hitRatio: 0.5 });
    expect(s.sizeTiers.large).toEqual({ hits: 1, misses: 0, sets: 0, hitRatio: 1 });
    expect(s.compression).toEqual({
      entries: 1,
      compressedEntries: 1,
      bytesIn: 1000,
      bytesOut: 400,
      ratio: 0.4,
    });
    expect(s.cache).toBe(cacheStats);
  });

  it('counts savings from the stored meta: tokens, latency above the hit latency, and cost by price table', () => {
    const stats = new AnswerStats({ 'gpt-x': { input: 1, output: 2 } });
    const meta = {
      model: 'gpt-x',
      latencyMs: 900,
      usage: { promptTokens: 1_000_000, completionTokens: 500_000 },
    };
    stats.hit('chat', 'small', 'l1', stored(meta), 100);
    stats.saved(undefined, 5);
    const { savings } = stats.snapshot(cacheStats, 'memory');
    expect(savings).toEqual({
      upstreamCallsAvoided: 2,
      tokens: { prompt: 1_000_000, completion: 500_000, total: 1_500_000 },
      latencyMs: 800,
      costUsd: 2,
    });
  });

  it('bounds the operations table: names past the limit are counted together', () => {
    const stats = new AnswerStats();
    for (let i = 0; i < MAX_OPERATIONS + 50; i++) stats.miss(`op-${i}`, 'small');
    stats.miss('op-0', 'small');
    const { operations, misses } = stats.snapshot(cacheStats, 'memory');
    expect(Object.keys(operations)).toHaveLength(MAX_OPERATIONS + 1);
    expect(operations[OTHER_OPERATIONS]?.misses).toBe(50);
    expect(operations['op-0']?.misses).toBe(2);
    expect(misses).toBe(MAX_OPERATIONS + 51);
  });

  it('bounds the per-operation cache views of AIResponseCache too: past the limit they start over, answers stay', async () => {
    const ai = new AIResponseCache();
    const made = vi.spyOn(Cache.prototype, 'namespace');
    const viewsOf = (operation: string) => made.mock.calls.filter(([name]) => name === operation).length;
    try {
      await ai.cacheResponse({ text: 'q', operation: 'op-0', response: 'a0' });
      expect(await ai.getResponse({ text: 'q', operation: 'op-0' })).toBe('a0');
      expect(viewsOf('op-0')).toBe(1); // made once, then remembered
      for (let i = 1; i <= MAX_OPERATIONS; i++) await ai.getResponse({ text: 'q', operation: `op-${i}` });
      // More than MAX_OPERATIONS names: the view of op-0 was forgotten and is made again.
      expect(await ai.getResponse({ text: 'q', operation: 'op-0' })).toBe('a0');
      expect(viewsOf('op-0')).toBe(2);
      expect(viewsOf(`op-${MAX_OPERATIONS}`)).toBe(1);
    } finally {
      made.mockRestore();
      await ai.close();
    }
  });

  it('is what AIResponseCache.stats() reports, per namespace view', async () => {
    const ai = new AIResponseCache();
    const tenant = ai.namespace('t');
    await tenant.cacheResponse({ text: 'q', operation: 'chat', response: 'a' });
    await tenant.getResponse({ text: 'q', operation: 'chat' });
    await ai.getResponse({ text: 'q', operation: 'chat' });
    expect(tenant.stats().operations.chat).toEqual({ hits: 1, misses: 0, sets: 1, hitRatio: 1 });
    expect(ai.stats().operations.chat).toEqual({ hits: 0, misses: 1, sets: 0, hitRatio: 0 });
    await ai.close();
  });
});
