/**
 * The state a {@link Cache} and all of its namespaces share, how it is built from the options,
 * and the small helpers the cache's operations use. Internal: not exported from the package.
 *
 * @module
 */
import type { BackendHealthState, CacheBackend } from '../backends/types.js';
import { defaultBus } from '../bus/default.js';
import type { InvalidationBus, InvalidationMessage } from '../bus/types.js';
import { createEntryCodec } from '../compression/codec.js';
import type { EntryCodec } from '../compression/types.js';
import {
  CircuitOpenError,
  InfrastructureError,
  SerializationError,
  toError,
  ValidationError,
} from '../errors.js';
import type { HashAlgorithm, Hasher } from '../keys/hash.js';
import { escapeKeyPart, KeyBuilder } from '../keys/key-builder.js';
import { SingleFlight } from '../locks/single-flight.js';
import type { DistributedLock } from '../locks/types.js';
import { warnFallback } from '../warnings.js';
import { defaultBudgetMs } from './budget.js';
import { CACHE_DEFAULTS, l1MaxEntryBytes } from './defaults.js';
import {
  type CacheCallbacks,
  CacheEmitter,
  type CacheEvent,
  type CacheEventName,
  type CacheOp,
  type CacheTier,
  ErrorLimiter,
  type LimitedError,
} from './events.js';
import { type L1Options, L1Tier } from './l1.js';
import { cacheOptionKeyIssues } from './options-check.js';
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
  /** Latest known invalidation time of each tag (epoch ms, cache clock). */
  readonly tagStamps: Map<string, number>;
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
  /** When the primary last failed (clock of `performance.now()`). */
  failedAt: number;
  readonly codec: EntryCodec;
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

/** Validates `options` and builds the state shared by a cache and its namespaces. */
export function createCore(options: CacheOptions): { core: Core; namespaces: string[] } {
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
  const errors = new ErrorLimiter(intervalMs, clock, (report) => deliverError(core, report));
  core = {
    l1: resolveL1(options.l1),
    backend: options.backend,
    fallback: options.backend ? options.fallback : undefined,
    retryPrimaryAfterMs: options.retryPrimaryAfterMs ?? CACHE_DEFAULTS.retryPrimaryAfterMs,
    failOnConnectionError: options.failOnConnectionError ?? CACHE_DEFAULTS.failOnConnectionError,
    fallbackWarning: options.fallbackWarning ?? CACHE_DEFAULTS.fallbackWarning,
    lock: options.lock,
    backoff: new Map(),
    tagStamps: new Map(),
    tagStampTtlMs: parseTtl(options.tagStampTtl ?? CACHE_DEFAULTS.tagStampTtl, 'tagStampTtl'),
    bus: options.bus === false ? undefined : options.bus,
    busStarted: false,
    invalidations: 0,
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
  if (core.bus) attachBus(core, core.bus);
  if (core.backend?.health) attachHealth(core);
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

/** Builds and emits one event (`backend` filled in). Call only when someone listens or it is cheap. */
export function emitEvent(
  core: Core,
  type: CacheEventName,
  op: CacheOp,
  key: string,
  tier: CacheTier,
  extra: Partial<CacheEvent> = {},
): void {
  const event: CacheEvent = { type, op, key, tier, ...extra };
  if (core.backend) event.backend = core.backend.name;
  core.emitter.emit(event);
}

/** Counts an error and hands it to the rate limiter (which emits `error` and calls `onError`). */
export function reportError(
  core: Core,
  op: CacheOp,
  key: string,
  error: unknown,
  detail?: Record<string, unknown>,
): void {
  core.counters.errors++;
  if (!core.emitter.listening('error') && !core.callbacks.some((c) => c.onError)) return;
  core.errors.report(op, key, toError(error), detail);
}

/** Delivers one (rate-limited) error: the `error` event and the `onError` callbacks. */
function deliverError(core: Core, report: LimitedError): void {
  const { op, key, error, suppressed } = report;
  const detail = suppressed > 0 ? { ...report.detail, suppressed } : report.detail;
  if (core.emitter.listening('error')) {
    emitEvent(core, 'error', op, key, op === 'callback' ? 'none' : 'l2', {
      error,
      ...(detail ? { detail } : {}),
    });
  }
  for (const callbacks of [...core.callbacks]) {
    if (!callbacks.onError) continue;
    try {
      const result = callbacks.onError({ key, op, error, ...(suppressed > 0 ? { suppressed } : {}) });
      if (result && typeof (result as Promise<void>).then === 'function')
        (result as Promise<void>).catch(() => {});
    } catch {
      // An onError callback that throws is ignored: reporting it would loop.
    }
  }
}

/** Enters degraded mode (once): `degraded` event with the reason. */
export function markDegraded(core: Core, op: CacheOp, key: string, error: unknown, reason: string): void {
  core.failedAt = now();
  if (core.degraded) return;
  core.degraded = true;
  if (core.fallback && core.fallbackWarning) warnFallback(core.backend?.name, core.fallback.name, reason);
  if (core.emitter.listening('degraded')) {
    emitEvent(core, 'degraded', op, key, 'l2', { error: toError(error), detail: { reason } });
  }
}

/** Leaves degraded mode (once): the fallback is cleared, `recovered` event. */
export function markRecovered(core: Core, reason: string): void {
  if (!core.degraded) return;
  core.degraded = false;
  // The fallback only bridged the outage; the primary is the truth again.
  core.fallback?.clear().catch(() => {});
  if (core.emitter.listening('recovered')) {
    emitEvent(core, 'recovered', 'get', '', 'l2', { detail: { reason } });
  }
}

/** Follows the backend's circuit breaker: open -> degraded, closed -> recovered. */
function attachHealth(core: Core): void {
  const health = core.backend?.health;
  if (!health) return;
  const apply = (state: BackendHealthState, reason: Error | undefined) => {
    if (state === 'open') {
      const cause = reason ?? new Error('circuit breaker open');
      core.openError = new CircuitOpenError(
        `${core.backend?.name ?? 'backend'} skipped: its circuit breaker is open (${cause.message})`,
        { cause, context: { backend: core.backend?.name, reason: 'circuit-open' } },
      );
      markDegraded(core, 'get', '', reason ?? core.openError, 'circuit-open');
      // Also an `error` event, even when a fallback then serves every call without one.
      reportError(core, 'get', '', core.openError, { reason: 'circuit-open' });
    } else if (state === 'closed') {
      core.openError = undefined;
      markRecovered(core, 'circuit-closed');
    }
  };
  if (health.state === 'open') apply('open', undefined);
  core.unsubscribeHealth = health.onChange((change) => apply(change.state, change.reason));
}

/**
 * Whether the backend's breaker is open: operations then skip it without any I/O (reads are
 * misses, writes are dropped, or both go to the fallback).
 */
export function breakerOpen(core: Core): boolean {
  return core.backend?.health?.state === 'open';
}

const KEY_SCOPED_REPLY = /\b(WRONGTYPE|OOM)\b/;

/**
 * What a backend failure concerns. `'key'`: one key or one write only (an error with
 * `scope: 'key'`, an undecodable entry, or, for backends that do not classify their errors
 * yet, a Redis `WRONGTYPE` / `OOM` reply anywhere in the cause chain): the rest of the cache
 * keeps using the backend. Everything else (refused, reset, timed out, breaker open, unknown)
 * is `'connection'`.
 */
export function failureScope(error: unknown): 'connection' | 'key' {
  if (error instanceof CircuitOpenError) return 'connection';
  if (error instanceof InfrastructureError && error.scope === 'key') return 'key';
  if (error instanceof SerializationError) return 'key';
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (KEY_SCOPED_REPLY.test(current.message)) return 'key';
    current = current.cause;
  }
  return 'connection';
}

export const now = (): number => performance.now();

/**
 * The backend key holding a tag's invalidation stamp: `prefix:#tag:<tag>`. No namespace name contains
 * `#` and every user key starts with `prefix:` + `:` or a namespace, so no key can equal a stamp.
 */
export function tagKey(prefix: string, tag: string): string {
  return `${prefix}:#tag:${escapeKeyPart(tag)}`;
}

/** Applies invalidations from other processes to this process's L1 and tag stamps. */
export function applyInvalidation(core: Core, message: InvalidationMessage): void {
  // Any read from L2 that was in flight when this arrived may carry the value it invalidates:
  // such reads do not promote into L1 (see #lookupFull).
  core.invalidations++;
  if (message.type === 'delete') {
    for (const key of message.keys) core.l1?.delete(key);
  } else if (message.type === 'clear') {
    core.l1?.clear(message.prefix);
  } else {
    for (const tag of message.tags) {
      if ((core.tagStamps.get(tag) ?? Number.NEGATIVE_INFINITY) < message.at)
        core.tagStamps.set(tag, message.at);
    }
  }
}

export function attachBus(core: Core, bus: InvalidationBus): void {
  bus.subscribe((message) => applyInvalidation(core, message));
  bus.onStatus((connected) => {
    if (!core.l1) return;
    if (connected) {
      // Messages may have been missed while the bus was down: drop what we cannot vouch for.
      core.l1.clear(`${core.prefix}:`);
    } else {
      core.l1.capLifetime(core.now() + core.maxStalenessMs);
    }
  });
}

/**
 * `error` as it may be shown where `full` must not appear: a copy (same class and code) whose
 * message, stack, own fields (`context`, a driver's `command`, ...) and cause chain show `shown`
 * instead of `full`; `error` itself when none of them mentions `full`.
 */
export function redactKeyInError(error: Error, full: string, shown: string): Error {
  if (full === '' || full === shown || !mentions(error, full, 0)) return error;
  return redactError(error, full, shown, 0);
}

function redactError(error: Error, full: string, shown: string, depth: number): Error {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  for (const [field, value] of Object.entries(error)) {
    const redacted = redactInValue(value, full, shown, depth + 1);
    (copy as unknown as Record<string, unknown>)[field] =
      field === 'context' && Object.isFrozen(value) ? Object.freeze(redacted) : redacted;
  }
  const hidden = (field: string, value: unknown) =>
    Object.defineProperty(copy, field, { value, writable: true, configurable: true, enumerable: false });
  hidden('message', error.message.split(full).join(shown));
  hidden('stack', (error.stack ?? '').split(full).join(shown));
  if (error.cause !== undefined) hidden('cause', redactInValue(error.cause, full, shown, depth + 1));
  return copy;
}

/** Whether `full` appears in a string reachable from `value` (errors: message, stack, fields, cause). */
function mentions(value: unknown, full: string, depth: number): boolean {
  if (typeof value === 'string') return value.includes(full);
  if (depth > 8 || typeof value !== 'object' || value === null) return false;
  if (value instanceof Error) {
    if (value.message.includes(full) || (value.stack ?? '').includes(full)) return true;
    if (mentions(value.cause, full, depth + 1)) return true;
  }
  for (const child of Object.values(value)) if (mentions(child, full, depth + 1)) return true;
  return false;
}

function redactInValue(value: unknown, full: string, shown: string, depth: number): unknown {
  if (typeof value === 'string') return value.split(full).join(shown);
  if (depth > 8 || typeof value !== 'object' || value === null || !mentions(value, full, depth)) return value;
  if (value instanceof Error) return redactError(value, full, shown, depth);
  if (Array.isArray(value)) return value.map((v) => redactInValue(v, full, shown, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactInValue(v, full, shown, depth + 1);
  return out;
}

export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * What an L1 entry weighs against `l1.maxBytes`: the serialized (uncompressed) size of its
 * value, its key (UTF-16) and a fixed per-entry overhead (entry object, LRU node, map slot).
 * A decoded value takes about its JSON size on the heap, so the byte cap bounds memory; sizing
 * by the compressed envelope let L1 hold 40% more than its cap (npm run bench, scenario 7).
 */
export function l1Size(key: string, serializedBytes: number): number {
  return serializedBytes + 2 * key.length + L1_ENTRY_OVERHEAD;
}

/** Bytes of heap an L1 entry costs besides its value and key (measured, rounded up). */
const L1_ENTRY_OVERHEAD = 256;

/** Checks tags (non-empty strings, de-duplicated); throws a ValidationError listing every bad one. */
export function validateTags(tags: readonly unknown[]): string[] {
  if (!Array.isArray(tags)) {
    throw new ValidationError('Invalid tags', [{ path: 'tags', message: 'must be an array of strings' }]);
  }
  const issues = tags.flatMap((tag, i) =>
    typeof tag === 'string' && tag.length > 0
      ? []
      : [{ path: `tags.${i}`, message: 'must be a non-empty string' }],
  );
  if (issues.length) throw new ValidationError('Invalid tags', issues);
  return [...new Set(tags as string[])];
}

/** Resolves with the promise's value, or `TIMED_OUT` after `ms`; the timer never outlives the race. */
export async function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
