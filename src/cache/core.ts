/**
 * The state a {@link Cache} and all of its namespaces share, and how it is built from the
 * options. Internal: not exported from the package. The operations on it live in the modules
 * next to this one (reads, writes, policies, tags, wrap, failover, dispatch); this module
 * imports none of them (they are handed in as {@link CoreWiring}), so nothing imports in a cycle.
 *
 * @module
 */
import type { CacheBackend } from '../backends/types.js';
import { defaultBus } from '../bus/default.js';
import type { InvalidationBus } from '../bus/types.js';
import { createEntryCodec } from '../compression/codec.js';
import type { EntryCodec } from '../compression/types.js';
import { type CircuitOpenError, ValidationError } from '../errors.js';
import type { HashAlgorithm, Hasher } from '../keys/hash.js';
import { KeyBuilder } from '../keys/key-builder.js';
import { SingleFlight } from '../locks/single-flight.js';
import type { DistributedLock } from '../locks/types.js';
import { defaultBudgetMs } from './budget.js';
import { CACHE_DEFAULTS, l1MaxEntryBytes } from './defaults.js';
import { type CacheCallbacks, CacheEmitter, ErrorLimiter, type LimitedError } from './events.js';
import { type L1Options, L1Tier } from './l1.js';
import { cacheOptionKeyIssues } from './options-check.js';
import { TagStamps } from './tag-stamps.js';
import { parseTtl } from './ttl.js';
import type { CacheOptions, Ownership } from './types.js';

export interface Counters {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  errors: number;
  l1Hits: number;
  l1Misses: number;
  l2Hits: number;
  l2Misses: number;
}

/** State shared by a cache and all of its namespaces. */
export interface Core {
  readonly l1: L1Tier | undefined;
  readonly backend: CacheBackend | undefined;
  readonly fallback: CacheBackend | undefined;
  readonly retryPrimaryAfterMs: number;
  readonly failOnConnectionError: boolean;
  readonly lock: DistributedLock | undefined;
  /** Keys whose producer failed while a stale value was served: no retry before the time. */
  readonly backoff: Map<string, number>;
  /** Latest known invalidation time of each tag (epoch ms, cache clock); bounded (see TagStamps). */
  readonly tagStamps: TagStamps;
  readonly tagStampTtlMs: number;
  /** The bus given, or the one made on the backend's connection (set once, in {@link createCore}). */
  bus: InvalidationBus | undefined;
  /** Whether the bus was started on first use (see `startBusOnFirstUse`). */
  busStarted: boolean;
  /** L1 lifetime cap while the bus is down, or over a backend without a bus (`l1.maxStaleness`). */
  readonly maxStalenessMs: number;
  /** Whether entering degraded mode with a fallback emits the `AIRC_FALLBACK` process warning. */
  readonly fallbackWarning: boolean;
  /** Count of invalidations received from the bus (see applyInvalidation). */
  invalidations: number;
  /**
   * Keys with a `set` being encoded, each with the turn of its latest call: a write writes only
   * if it is still the latest when its encoding is done (see writes.ts). Holds writes in flight only.
   */
  readonly writing: Map<string, object>;
  /** When the primary last failed (clock of `performance.now()`). */
  failedAt: number;
  readonly codec: EntryCodec;
  /**
   * Whether a `set` may defer decoding its L1 copy to the first read of it: with the JSON
   * serializer, whose output always decodes (a custom serializer decodes at once, so that a
   * serializer that cannot read its own output fails the `set`, not a later `get`).
   */
  readonly deferL1Decode: boolean;
  readonly emitter: CacheEmitter;
  readonly callbacks: CacheCallbacks[];
  readonly flights: SingleFlight<unknown>;
  readonly counters: Counters;
  readonly now: () => number;
  readonly defaultTtlMs: number;
  readonly hashAlgorithm: HashAlgorithm;
  readonly maxKeyLength: number;
  readonly prefix: string;
  hasher: Hasher | undefined;
  ready: Promise<Hasher> | undefined;
  degraded: boolean;
  closed: boolean;
  /** Default cache-work budget of one getOrSet / resolve / wrap call (ms). */
  readonly budgetMs: number;
  /** Rate limiter of `error` events and `onError` callbacks. */
  readonly errors: ErrorLimiter;
  /** Which of the components handed to `createCache` `close()` closes. */
  readonly owns: Required<Ownership>;
  /** The error reported for operations skipped while the breaker is open (one per opening). */
  openError: CircuitOpenError | undefined;
  /** Unsubscribes from the backend's health changes (set when the backend has `health`). */
  unsubscribeHealth: (() => void) | undefined;
}

function resolveL1(options: L1Options | false | undefined): L1Tier | undefined {
  if (options === false) return undefined;
  const o = options ?? {};
  const issues = [];
  for (const field of ['maxEntries', 'maxBytes', 'maxEntryBytes'] as const) {
    const v = o[field];
    if (v !== undefined && (!Number.isInteger(v) || v <= 0)) {
      issues.push({ path: `l1.${field}`, message: `must be a positive integer (got ${String(v)})` });
    }
  }
  if (o.protection !== undefined && !['freeze', 'copy', 'none'].includes(o.protection)) {
    issues.push({
      path: 'l1.protection',
      message: `must be 'freeze', 'copy' or 'none' (got ${String(o.protection)})`,
    });
  }
  if (issues.length) throw new ValidationError('Invalid L1 options', issues);
  const maxBytes = o.maxBytes ?? CACHE_DEFAULTS['l1.maxBytes'];
  return new L1Tier({
    maxEntries: o.maxEntries ?? CACHE_DEFAULTS['l1.maxEntries'],
    maxBytes,
    maxEntryBytes: o.maxEntryBytes ?? l1MaxEntryBytes(maxBytes),
    protection: o.protection ?? CACHE_DEFAULTS['l1.protection'],
    ttlMs: o.ttl === undefined ? Number.POSITIVE_INFINITY : parseTtl(o.ttl, 'l1.ttl'),
  });
}

/**
 * What {@link createCore} connects the new state to: the delivery of rate-limited errors, the
 * bus subscription and the backend's health (the modules that implement them depend on
 * `Core`, so they are passed in rather than imported).
 */
export interface CoreWiring {
  deliverError(core: Core, report: LimitedError): void;
  attachBus(core: Core, bus: InvalidationBus): void;
  attachHealth(core: Core): void;
}

/** Validates `options` and builds the state shared by a cache and its namespaces. */
export function createCore(options: CacheOptions, wiring: CoreWiring): { core: Core; namespaces: string[] } {
  const prefix = options.prefix ?? CACHE_DEFAULTS.prefix;
  const maxKeyLength = options.maxKeyLength ?? CACHE_DEFAULTS.maxKeyLength;
  // Plain JavaScript has no compiler to catch `{ TTL: 1 }`: unknown keys are errors, with a hint.
  const issues = cacheOptionKeyIssues(options);
  if (options.maxKeyLength !== undefined && (!Number.isInteger(maxKeyLength) || maxKeyLength < 32)) {
    issues.push({ path: 'maxKeyLength', message: `must be an integer >= 32 (got ${String(maxKeyLength)})` });
  }
  const intervalMs = options.errorEvents?.intervalMs ?? CACHE_DEFAULTS['errorEvents.intervalMs'];
  if (!(typeof intervalMs === 'number' && Number.isFinite(intervalMs) && intervalMs >= 0)) {
    issues.push({
      path: 'errorEvents.intervalMs',
      message: `must be a finite number >= 0 (got ${String(intervalMs)})`,
    });
  }
  const owns = resolveOwnership(options.owns, issues);
  if (issues.length) throw new ValidationError('Invalid cache options', issues);
  const clock = options.now ?? Date.now;
  // The limiter delivers through the core it belongs to (assigned right below).
  let core: Core;
  const errors = new ErrorLimiter(intervalMs, clock, (report) => wiring.deliverError(core, report));
  core = {
    l1: resolveL1(options.l1),
    backend: options.backend,
    fallback: options.backend ? options.fallback : undefined,
    retryPrimaryAfterMs: options.retryPrimaryAfterMs ?? CACHE_DEFAULTS.retryPrimaryAfterMs,
    failOnConnectionError: options.failOnConnectionError ?? CACHE_DEFAULTS.failOnConnectionError,
    fallbackWarning: options.fallbackWarning ?? CACHE_DEFAULTS.fallbackWarning,
    lock: options.lock,
    backoff: new Map(),
    tagStamps: new TagStamps(),
    tagStampTtlMs: parseTtl(options.tagStampTtl ?? CACHE_DEFAULTS.tagStampTtl, 'tagStampTtl'),
    bus: options.bus === false ? undefined : options.bus,
    busStarted: false,
    invalidations: 0,
    writing: new Map(),
    maxStalenessMs: parseTtl(
      (options.l1 === false ? undefined : options.l1?.maxStaleness) ?? CACHE_DEFAULTS['l1.maxStaleness'],
      'l1.maxStaleness',
    ),
    failedAt: 0,
    codec: createEntryCodec({
      // Without a backend nothing is stored as bytes, so compression would be wasted work.
      codec: options.backend ? (options.compression?.codec ?? CACHE_DEFAULTS['compression.codec']) : 'none',
      ...(options.compression?.threshold === undefined ? {} : { threshold: options.compression.threshold }),
      ...(options.compression?.level === undefined ? {} : { level: options.compression.level }),
      ...(options.serializer ? { serializer: options.serializer } : {}),
    }),
    deferL1Decode: options.serializer === undefined,
    emitter: new CacheEmitter(),
    callbacks: [],
    flights: new SingleFlight(),
    counters: {
      hits: 0,
      misses: 0,
      sets: 0,
      deletes: 0,
      errors: 0,
      l1Hits: 0,
      l1Misses: 0,
      l2Hits: 0,
      l2Misses: 0,
    },
    now: clock,
    defaultTtlMs: parseTtl(options.ttl ?? CACHE_DEFAULTS.ttl),
    hashAlgorithm: options.hashAlgorithm ?? CACHE_DEFAULTS.hashAlgorithm,
    maxKeyLength,
    prefix,
    hasher: undefined,
    ready: undefined,
    degraded: false,
    closed: false,
    budgetMs:
      options.budget === undefined ? defaultBudgetMs(options.backend) : parseTtl(options.budget, 'budget'),
    errors,
    owns,
    openError: undefined,
    unsubscribeHealth: undefined,
  };
  // Validate prefix and namespace eagerly (KeyBuilder validates its parts).
  KeyBuilder.validatePart(prefix, 'prefix');
  const namespaces = options.namespace === undefined ? [] : [options.namespace];
  for (const ns of namespaces) KeyBuilder.validatePart(ns, 'namespace');
  if (options.bus === undefined) {
    // Over a backend with a connection of its own (Redis), L1 stays coherent by default; the
    // bus is made last (nothing can throw after it) and is the cache's to close.
    core.bus = defaultBus(options.backend, prefix);
    if (core.bus) core.owns.bus = true;
  }
  if (core.bus) wiring.attachBus(core, core.bus);
  if (core.backend?.health) wiring.attachHealth(core);
  return { core, namespaces };
}

function resolveOwnership(
  owns: CacheOptions['owns'],
  issues: { path: string; message: string }[],
): Required<Ownership> {
  const all = { backend: true, fallback: true, lock: true, bus: true };
  if (owns === undefined || owns === true) return all;
  if (owns === false) return { backend: false, fallback: false, lock: false, bus: false };
  if (typeof owns !== 'object' || owns === null) {
    issues.push({ path: 'owns', message: 'must be a boolean or { backend?, fallback?, lock?, bus? }' });
    return all;
  }
  for (const [field, value] of Object.entries(owns)) {
    if (!(field in all)) issues.push({ path: `owns.${field}`, message: 'is not a component of the cache' });
    else if (typeof value !== 'boolean' && value !== undefined)
      issues.push({ path: `owns.${field}`, message: `must be a boolean (got ${String(value)})` });
  }
  return {
    backend: owns.backend ?? true,
    fallback: owns.fallback ?? true,
    lock: owns.lock ?? true,
    bus: owns.bus ?? true,
  };
}

/** The monotonic clock of durations and of failover timing (not the cache clock `core.now`). */
export const now = (): number => performance.now();
