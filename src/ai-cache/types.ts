/**
 * The public types of {@link AIResponseCache}: requests, answers and their meta, TTL settings,
 * the constructor's options; and the stored form of an answer.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import type { CacheBackend } from '../backends/types.js';
import type { InvalidationBus } from '../bus/index.js';
import type { Ttl } from '../cache/ttl.js';
import type { Ownership } from '../cache/types.js';
import type { AICacheOptions } from '../config/options.js';
import type { SizeTier } from '../config/schema.js';
import type { DistributedLock } from '../locks/types.js';

export interface ResponseUsage {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
}

/** Facts about how an answer was produced, stored next to it (used for savings statistics). */
export interface ResponseMeta {
  /** Model that produced the answer (used to look up prices). */
  model?: string;
  /** Tokens the upstream call used. */
  usage?: ResponseUsage;
  /** How long the upstream call took, in milliseconds. */
  latencyMs?: number;
}

/** Context handed to a TTL function. */
export interface TtlContext {
  operation: string;
  /** Length of the text in characters. */
  textLength: number;
  sizeTier: SizeTier;
  options: Readonly<Record<string, unknown>> | undefined;
  /** The response being stored. */
  response: unknown;
}

/** A TTL, or a function of the request and response returning one (`undefined` = fall through). */
export type TtlSetting = Ttl | ((context: TtlContext) => Ttl | undefined);

/** Identifies one cached answer. */
export interface ResponseRequest {
  /** The input text (prompt, document, ...). */
  text: string;
  /** What was done with it: `summarize`, `sentiment`, `qa`, ... */
  operation: string;
  /** Parameters that change the answer (model, temperature, max_length, ...). */
  options?: Readonly<Record<string, unknown>>;
  /** For question-answering operations: the question. */
  question?: string;
}

/** Arguments of {@link AIResponseCache.cacheResponse}. */
export interface CacheResponseArgs<T = unknown> extends ResponseRequest {
  /** The answer to store (anything JSON-serializable, `null` included). */
  response: T;
  /** Overrides the TTL resolution for this entry. */
  ttl?: TtlSetting;
  /** Facts about the upstream call, for savings statistics. */
  meta?: ResponseMeta;
}

/** A request validated and keyed once, from {@link AIResponseCache.prepare}. */
export interface PreparedRequest {
  readonly request: ResponseRequest;
  /** The key parts under `ai:{operation}` (text part, options hash, optional question hash). */
  readonly parts: readonly string[];
  readonly tier: SizeTier;
}

/** A hit with its details, from {@link AIResponseCache.lookupResponse}. */
export interface ResponseHit<T = unknown> {
  response: T;
  tier: 'l1' | 'l2';
  /** The stored meta, when the answer was stored with one. */
  meta: ResponseMeta | undefined;
  /** When the answer was stored (epoch ms). */
  storedAt: number;
}

/**
 * Options of {@link AIResponseCache}: the configuration (every option of {@link AICacheOptions},
 * validated by `AICacheConfigSchema`) plus things that are not data.
 */
export interface AIResponseCacheOptions extends AICacheOptions {
  /** An existing ioredis client (standalone or Cluster) to use instead of `redisUrl` / `redis`. */
  redisClient?: Redis | Cluster;
  /** Any backend to use as L2 instead of Redis (e.g. a `DiskBackend`). */
  backend?: CacheBackend;
  /** A TTL function consulted after the per-call TTL and before `operationTtls` (dynamic TTL by operation, size tier or response). */
  ttlResolver?: (context: TtlContext) => Ttl | undefined;
  /**
   * The distributed lock for stampede protection across processes. Created automatically on
   * the Redis connection when Redis is used; pass one to override, or `false` for none.
   */
  lock?: DistributedLock | false;
  /**
   * Invalidation bus keeping the L1 tiers of several processes coherent. Created
   * automatically on the Redis connection when Redis and L1 are both used; pass one to
   * override, or `false` for none.
   */
  bus?: InvalidationBus | false;
  /** USD per 1M tokens by model, for `stats().savings.costUsd`. */
  prices?: Readonly<Record<string, { input: number; output: number }>>;
  /** Clock, injectable for tests. @default Date.now */
  now?: () => number;
  /**
   * Which of the components handed here (`backend`, `lock`, `bus`) {@link AIResponseCache.close}
   * closes: `true` (all), `false` (none) or per component. What the cache creates itself (the
   * Redis backend from `redisUrl` / `redis`, its lock and bus, the memory fallback) is always
   * closed; a `redisClient` passed in is never closed (only what was built on it).
   * @default true
   */
  owns?: boolean | Pick<Ownership, 'backend' | 'lock' | 'bus'>;
  /**
   * Time budget of the cache work of one call through `ai.cache.getOrSet` or an LLM client
   * wrapper (`withCache`): lookup, lock acquisition and store together (see `CacheOptions.budget`).
   * @default the backend's `commandTimeoutMs` when it exposes one, else 1000 (ms)
   */
  budget?: Ttl;
}

/** The stored value: the response plus its meta, versioned. */
export interface StoredAnswer {
  v: 1;
  r: unknown;
  m?: ResponseMeta;
  at: number;
}

/** Whether a value read from the cache is a stored answer (anything else is a miss). */
export function isStoredAnswer(value: unknown): value is StoredAnswer {
  return typeof value === 'object' && value !== null && (value as StoredAnswer).v === 1 && 'r' in value;
}
