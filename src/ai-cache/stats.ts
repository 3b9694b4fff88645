/**
 * The counters of one {@link AIResponseCache} view: hits, misses and sets by operation and by
 * size tier, the tier that answered, compression, and what hits saved (calls, tokens, latency,
 * money). Operations are named by callers, so their table is bounded: past
 * {@link MAX_OPERATIONS} names, new ones are counted under {@link OTHER_OPERATIONS}.
 *
 * @module
 */
import type { BreakerStats, CacheStats } from '../cache/types.js';
import type { SizeTier } from '../config/schema.js';
import type { ResponseMeta, StoredAnswer } from './types.js';

/** The most operations counted by name; later names share {@link OTHER_OPERATIONS}. */
export const MAX_OPERATIONS = 1000;
/** The `stats().operations` entry of the operations past {@link MAX_OPERATIONS}. */
export const OTHER_OPERATIONS = '(other)';

/** Hit and miss counters of one slice (an operation or a size tier). */
export interface SliceStats {
  hits: number;
  misses: number;
  sets: number;
  hitRatio: number;
}

/** What hits saved. */
export interface SavingsStats {
  /** Upstream calls not made because the answer came from the cache. */
  upstreamCallsAvoided: number;
  tokens: { prompt: number; completion: number; total: number };
  /** Stored upstream latency minus hit latency, summed over hits, in milliseconds. */
  latencyMs: number;
  /** Money saved, for models found in the `prices` table. */
  costUsd: number;
}

/** Snapshot returned by {@link AIResponseCache.stats}. */
export interface AIResponseCacheStats {
  hits: number;
  misses: number;
  hitRatio: number;
  l1Hits: number;
  l2Hits: number;
  sets: number;
  errors: number;
  /** Whether the L2 backend is failing (the memory fallback serves meanwhile). */
  degraded: boolean;
  /** The L2 backend's circuit breaker, when it has one. */
  breaker: BreakerStats | undefined;
  /** `'redis'`, `'memory'`, or the custom backend's name. */
  backend: string;
  /** By operation name (at most 1000 names; later ones are counted under `'(other)'`). */
  operations: Record<string, SliceStats>;
  sizeTiers: Record<SizeTier, SliceStats>;
  compression: {
    entries: number;
    compressedEntries: number;
    bytesIn: number;
    bytesOut: number;
    ratio: number;
  };
  savings: SavingsStats;
  /** The generic cache's own counters. */
  cache: CacheStats;
}

interface Slice {
  hits: number;
  misses: number;
  sets: number;
}

const newSlice = (): Slice => ({ hits: 0, misses: 0, sets: 0 });
const sliceStats = (s: Slice): SliceStats => ({
  ...s,
  hitRatio: s.hits + s.misses === 0 ? 0 : s.hits / (s.hits + s.misses),
});

/** Per-model USD prices per 1M tokens. */
export type Prices = Readonly<Record<string, { input: number; output: number }>>;

/** The counters of one cache view (see the module documentation). */
export class AnswerStats {
  readonly #operations = new Map<string, Slice>();
  readonly #tiers: Record<SizeTier, Slice> = { small: newSlice(), medium: newSlice(), large: newSlice() };
  readonly #tierHits = { l1: 0, l2: 0 };
  readonly #compression = { entries: 0, compressedEntries: 0, bytesIn: 0, bytesOut: 0 };
  readonly #savings = { calls: 0, prompt: 0, completion: 0, total: 0, latencyMs: 0, costUsd: 0 };
  readonly #prices: Prices | undefined;

  constructor(prices?: Prices) {
    this.#prices = prices;
  }

  /** Counts a miss of `operation` in size tier `tier`. */
  miss(operation: string, tier: SizeTier): void {
    this.#slice(operation).misses++;
    this.#tiers[tier].misses++;
  }

  /** Counts a hit served from `from`, and what it saved (`latencyMs`: how long the hit took). */
  hit(operation: string, tier: SizeTier, from: 'l1' | 'l2', stored: StoredAnswer, latencyMs: number): void {
    this.#slice(operation).hits++;
    this.#tiers[tier].hits++;
    this.#tierHits[from]++;
    this.saved(stored.m, latencyMs);
  }

  /** Counts a stored answer and its encoding (`serializedBytes` before, `bytes` after compression). */
  stored(
    operation: string,
    tier: SizeTier,
    result: { compressed: boolean; serializedBytes: number; bytes: number },
  ): void {
    this.#slice(operation).sets++;
    this.#tiers[tier].sets++;
    const c = this.#compression;
    c.entries++;
    if (result.compressed) c.compressedEntries++;
    c.bytesIn += result.serializedBytes;
    c.bytesOut += result.bytes;
  }

  /** Counts an upstream call avoided, with the tokens, latency and cost of the answer's meta. */
  saved(meta: ResponseMeta | undefined, hitLatencyMs: number): void {
    const s = this.#savings;
    s.calls++;
    if (!meta) return;
    const prompt = meta.usage?.promptTokens ?? 0;
    const completion = meta.usage?.completionTokens ?? 0;
    s.prompt += prompt;
    s.completion += completion;
    s.total += meta.usage?.totalTokens ?? prompt + completion;
    if (meta.latencyMs !== undefined) s.latencyMs += Math.max(0, meta.latencyMs - hitLatencyMs);
    const price = meta.model ? this.#prices?.[meta.model] : undefined;
    if (price) s.costUsd += (prompt * price.input + completion * price.output) / 1_000_000;
  }

  /** The snapshot of {@link AIResponseCache.stats}, with the shared cache's own counters. */
  snapshot(cache: CacheStats, backend: string): AIResponseCacheStats {
    let hits = 0;
    let misses = 0;
    let sets = 0;
    const operations: Record<string, SliceStats> = {};
    for (const [op, s] of this.#operations) {
      operations[op] = sliceStats(s);
      hits += s.hits;
      misses += s.misses;
      sets += s.sets;
    }
    const c = this.#compression;
    const s = this.#savings;
    return {
      hits,
      misses,
      hitRatio: hits + misses === 0 ? 0 : hits / (hits + misses),
      l1Hits: this.#tierHits.l1,
      l2Hits: this.#tierHits.l2,
      sets,
      errors: cache.errors,
      degraded: cache.degraded,
      breaker: cache.breaker,
      backend,
      operations,
      sizeTiers: {
        small: sliceStats(this.#tiers.small),
        medium: sliceStats(this.#tiers.medium),
        large: sliceStats(this.#tiers.large),
      },
      compression: { ...c, ratio: c.bytesIn === 0 ? 1 : c.bytesOut / c.bytesIn },
      savings: {
        upstreamCallsAvoided: s.calls,
        tokens: { prompt: s.prompt, completion: s.completion, total: s.total },
        latencyMs: s.latencyMs,
        costUsd: s.costUsd,
      },
      cache,
    };
  }

  #slice(operation: string): Slice {
    let slice = this.#operations.get(operation);
    if (!slice) {
      const name = this.#operations.size < MAX_OPERATIONS ? operation : OTHER_OPERATIONS;
      slice = this.#operations.get(name) ?? newSlice();
      this.#operations.set(name, slice);
    }
    return slice;
  }
}
