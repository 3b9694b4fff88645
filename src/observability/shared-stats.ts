/**
 * Fleet-wide statistics in Redis: {@link shareStats} counts a cache's hits, misses and writes
 * (by AI operation and namespace) and, for an {@link AIResponseCache}, its savings, in memory,
 * and adds them to one Redis hash with `HINCRBY` in the background (every `intervalMs`, and on
 * `flush()` / `stop()`), never on the hot path. Every process of a fleet adds to the same hash,
 * so {@link readSharedStats} (and the `ai-response-cache stats` command) shows the whole fleet.
 *
 * The hash is `{prefix}:#stats` ({@link sharedStatsKey}); its fields are JSON arrays:
 * `["hits", operation, namespace]` (and `misses`, `sets`) and `["savings", name]` (`calls`,
 * `promptTokens`, `completionTokens`, `totalTokens`, `latencyMs`, `costUsd`). Operations are
 * those of AI answers (`-` for generic entries); neither they nor namespaces ever carry key
 * text, and both fold into `other` past `maxLabelValues`.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import { AIResponseCache } from '../ai-cache/ai-response-cache.js';
import type { Cache } from '../cache/cache.js';
import type { CacheEvent } from '../cache/events.js';
import { loadIORedis } from '../redis/ioredis.js';
import { aiOperationOfKey, LabelCap, namespaceOfKey } from './labels.js';

/** Options of {@link shareStats}. */
export interface ShareStatsOptions {
  /**
   * Where the counters go: an ioredis client (standalone or Cluster; never closed by
   * {@link SharedStats.stop}) or a Redis URL (a client is made on the first flush and closed by `stop()`).
   */
  redis: Redis | Cluster | string;
  /**
   * The cache's key prefix (names the hash, see {@link sharedStatsKey}).
   * @default the `AIResponseCache`'s `config.prefix`; `'cache'` (the `createCache` default) for a `Cache`
   */
  prefix?: string;
  /** How often the pending counts are added to Redis, in milliseconds. @default 5000 */
  intervalMs?: number;
  /** How long one flush may take before it is abandoned (its counts are kept for the next one), in milliseconds. @default 2000 */
  timeoutMs?: number;
  /** Distinct operations and namespaces counted apart; later ones become `other`. @default 50 */
  maxLabelValues?: number;
  /** Receives flush failures (the counts are kept and retried). @default ignore them */
  onError?: (error: Error) => void;
}

/** What {@link shareStats} returns. */
export interface SharedStats {
  /** Adds the pending counts to Redis now (resolves when done; failures keep them pending and reach `onError`). */
  flush(): Promise<void>;
  /** Removes the listeners, flushes one last time and closes the client it created. Idempotent. */
  stop(): Promise<void>;
}

/** Counters of one (operation, namespace) row of {@link SharedStatsSnapshot}. */
export interface SharedStatsRow {
  operation: string;
  namespace: string;
  hits: number;
  misses: number;
  sets: number;
  /** `hits / (hits + misses)`, `0` without lookups. */
  hitRatio: number;
}

/** The fleet's counters, from {@link readSharedStats}. */
export interface SharedStatsSnapshot {
  /** One row per (operation, namespace), sorted by operation then namespace. */
  rows: SharedStatsRow[];
  totals: { hits: number; misses: number; sets: number; hitRatio: number };
  savings: {
    upstreamCallsAvoided: number;
    tokens: { prompt: number; completion: number; total: number };
    latencyMs: number;
    costUsd: number;
  };
}

/** The name of the shared statistics hash of a cache prefix: `{prefix}:#stats`. */
export function sharedStatsKey(prefix: string): string {
  return `${prefix}:#stats`;
}

type SavingsField = 'calls' | 'promptTokens' | 'completionTokens' | 'totalTokens' | 'latencyMs' | 'costUsd';

function savingsOf(ai: AIResponseCache): Record<SavingsField, number> {
  const s = ai.stats().savings;
  return {
    calls: s.upstreamCallsAvoided,
    promptTokens: s.tokens.prompt,
    completionTokens: s.tokens.completion,
    totalTokens: s.tokens.total,
    latencyMs: s.latencyMs,
    costUsd: s.costUsd,
  };
}

/**
 * Shares the counters of `target` (a {@link Cache} or an {@link AIResponseCache}, with every
 * namespace view sharing its connections) with the fleet through Redis. Event listeners only
 * bump in-memory counts; a timer (unref'd) adds them to the hash every `intervalMs` with one
 * pipelined `HINCRBY` per changed field. A failed flush keeps its counts for the next one and
 * never reaches the application. Savings are those of `target` (for an AIResponseCache: its
 * namespace; give each view its own `shareStats` for per-tenant savings).
 *
 * @example
 * const shared = shareStats(ai, { redis: process.env.REDIS_URL! });
 * // on shutdown: await shared.stop();
 */
export function shareStats(target: Cache | AIResponseCache, options: ShareStatsOptions): SharedStats {
  const ai = target instanceof AIResponseCache ? target : undefined;
  const cache = ai ? ai.cache : (target as Cache);
  const key = sharedStatsKey(options.prefix ?? ai?.config.prefix ?? 'cache');
  const max = options.maxLabelValues ?? 50;
  const timeoutMs = options.timeoutMs ?? 2000;
  const caps = { operation: new LabelCap(max), namespace: new LabelCap(max) };
  const cap = (kind: keyof typeof caps, v: string) => caps[kind].value(v);
  const pending = new Map<string, number>();
  const bump = (field: string, by: number) => pending.set(field, (pending.get(field) ?? 0) + by);
  const count = (kind: 'hits' | 'misses' | 'sets') => (e: CacheEvent) => {
    const operation = cap('operation', aiOperationOfKey(e.key) ?? '-');
    bump(JSON.stringify([kind, operation, cap('namespace', namespaceOfKey(e.key))]), 1);
  };
  const offs = [
    cache.on('hit', count('hits')),
    cache.on('miss', count('misses')),
    cache.on('set', count('sets')),
  ];
  let lastSavings = ai ? savingsOf(ai) : undefined;

  let client: Redis | Cluster | undefined = typeof options.redis === 'string' ? undefined : options.redis;
  let ownClient: Redis | undefined;
  const clientFor = async (): Promise<Redis | Cluster> => {
    if (client) return client;
    const { Redis: RedisClient } = loadIORedis();
    ownClient = new RedisClient(options.redis as string, { maxRetriesPerRequest: 1, lazyConnect: true });
    ownClient.on('error', () => {});
    client = ownClient;
    return client;
  };

  let flushing: Promise<void> | undefined;
  const flushOnce = async (): Promise<void> => {
    if (ai && lastSavings) {
      const now = savingsOf(ai);
      for (const field of Object.keys(now) as SavingsField[]) {
        const delta = now[field] - lastSavings[field];
        if (delta !== 0) bump(JSON.stringify(['savings', field]), delta);
      }
      lastSavings = now;
    }
    if (pending.size === 0) return;
    const batch = [...pending];
    pending.clear();
    try {
      const redis = await clientFor();
      const pipeline = redis.pipeline();
      for (const [field, by] of batch) {
        // Integers with HINCRBY; dollars and fractional milliseconds with HINCRBYFLOAT.
        if (Number.isInteger(by)) pipeline.hincrby(key, field, by);
        else pipeline.hincrbyfloat(key, field, by);
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`shared stats flush took over ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        const results = await Promise.race([pipeline.exec(), timeout]);
        const failed = results?.find(([error]) => error);
        if (failed?.[0]) throw failed[0];
      } finally {
        clearTimeout(timer);
      }
    } catch (error) {
      // Kept for the next flush (a pipeline that failed midway may have applied part of it:
      // counts are at least once, never lost silently).
      for (const [field, by] of batch) bump(field, by);
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  };
  const flush = (): Promise<void> => {
    flushing ??= flushOnce().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };
  const timer = setInterval(() => void flush(), options.intervalMs ?? 5000);
  timer.unref();

  let stopped: Promise<void> | undefined;
  return {
    flush,
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        for (const off of offs) off();
        await flushing;
        await flush();
        ownClient?.disconnect();
      })();
      return stopped;
    },
  };
}

/**
 * Reads the fleet's counters from the hash `key` ({@link sharedStatsKey}); unknown fields are
 * ignored. Resolves an empty snapshot when nothing was shared yet.
 */
export async function readSharedStats(redis: Redis | Cluster, key: string): Promise<SharedStatsSnapshot> {
  const raw = await redis.hgetall(key);
  const rows = new Map<string, SharedStatsRow>();
  const savings = {
    calls: 0,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    latencyMs: 0,
    costUsd: 0,
  };
  for (const [field, value] of Object.entries(raw)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(field);
    } catch {
      continue;
    }
    const n = Number(value);
    if (!Array.isArray(parsed) || !Number.isFinite(n)) continue;
    const [kind, a, b] = parsed as unknown[];
    if (kind === 'savings' && typeof a === 'string' && a in savings) {
      savings[a as SavingsField] += n;
    } else if (
      (kind === 'hits' || kind === 'misses' || kind === 'sets') &&
      typeof a === 'string' &&
      typeof b === 'string'
    ) {
      const id = JSON.stringify([a, b]);
      const row = rows.get(id) ?? { operation: a, namespace: b, hits: 0, misses: 0, sets: 0, hitRatio: 0 };
      row[kind] += n;
      rows.set(id, row);
    }
  }
  const ratio = (hits: number, misses: number) => (hits + misses === 0 ? 0 : hits / (hits + misses));
  const sorted = [...rows.values()]
    .map((r) => ({ ...r, hitRatio: ratio(r.hits, r.misses) }))
    .sort((x, y) => x.operation.localeCompare(y.operation) || x.namespace.localeCompare(y.namespace));
  const totals = sorted.reduce(
    (t, r) => ({ hits: t.hits + r.hits, misses: t.misses + r.misses, sets: t.sets + r.sets }),
    {
      hits: 0,
      misses: 0,
      sets: 0,
    },
  );
  return {
    rows: sorted,
    totals: { ...totals, hitRatio: ratio(totals.hits, totals.misses) },
    savings: {
      upstreamCallsAvoided: savings.calls,
      tokens: {
        prompt: savings.promptTokens,
        completion: savings.completionTokens,
        total: savings.totalTokens,
      },
      latencyMs: savings.latencyMs,
      costUsd: savings.costUsd,
    },
  };
}
