/**
 * Failover bookkeeping: entering and leaving degraded mode, following the backend's circuit
 * breaker, telling a failure of one key from a failure of the connection, and running one
 * backend operation on the primary or the fallback ({@link io}) without ever throwing.
 *
 * @module
 */
import type { BackendHealthState, CacheBackend } from '../backends/types.js';
import { CircuitOpenError, InfrastructureError, SerializationError, toError } from '../errors.js';
import { warnFallback } from '../warnings.js';
import { type Core, now } from './core.js';
import { emitEvent, redactKeyInError, reportError } from './dispatch.js';
import type { CacheOp } from './events.js';
import { reportFor, type Scope, shown } from './scope.js';

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
export function attachHealth(core: Core): void {
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

/**
 * Runs one backend operation: on the primary, or on the fallback while the primary is failing
 * (without touching the primary while its breaker is open). A failure is reported (event) and
 * answered with `onFail()`; it never throws. A failure about one key (see `failureScope`)
 * concerns that key only: it never makes the cache degraded.
 */
export async function io<T>(
  s: Scope,
  op: CacheOp,
  key: string,
  fn: (backend: CacheBackend) => Promise<T>,
  onFail: () => T,
): Promise<T> {
  const core = s.core;
  const fallback = core.fallback;
  const open = breakerOpen(core);
  if (core.degraded && fallback && (open || now() - core.failedAt < core.retryPrimaryAfterMs)) {
    try {
      return await fn(fallback);
    } catch (error) {
      reportFor(s, op, key, error);
      return onFail();
    }
  }
  if (open) {
    // No I/O while the breaker is open: the reason is in a (rate-limited) error event.
    reportFor(
      s,
      op,
      key,
      core.openError ?? new CircuitOpenError(`${core.backend?.name} skipped: its circuit breaker is open`),
      { reason: 'circuit-open' },
    );
    return onFail();
  }
  const backend = core.backend as CacheBackend;
  try {
    const result = await fn(backend);
    if (core.degraded && (backend.health?.state ?? 'closed') === 'closed') markRecovered(core, 'backend-ok');
    return result;
  } catch (error) {
    if (failureScope(error) === 'key') {
      keyFailed(s, op, key, error);
      return onFail();
    }
    backendFailed(s, op, key, error);
    if (!fallback) return onFail();
    try {
      return await fn(fallback);
    } catch (fallbackError) {
      reportFor(s, op, key, fallbackError);
      return onFail();
    }
  }
}

/**
 * A failure that concerns one key only (WRONGTYPE, OOM refusal of one write): reported; with
 * `repair` (a single-key read), the unreadable key is deleted (the next write would overwrite
 * it anyway). The cache stays on the backend.
 */
export function keyFailed(s: Scope, op: CacheOp, key: string, error: unknown, repair = false): void {
  reportFor(s, op, key, error, { scope: 'key' });
  if (repair) {
    void io(
      s,
      'delete',
      key,
      (b) => b.delete(key),
      () => false,
    );
  }
}

/** A connection-level failure: reported, and the cache is degraded until the backend answers. */
export function backendFailed(s: Scope, op: CacheOp, key: string, error: unknown): void {
  reportFor(s, op, key, error);
  const shownKey = shown(s, key);
  const err = toError(error);
  markDegraded(
    s.core,
    op,
    shownKey,
    shownKey === key ? err : redactKeyInError(err, key, shownKey),
    'backend-error',
  );
}
