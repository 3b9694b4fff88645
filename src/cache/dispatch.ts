/**
 * Event dispatch: building and emitting events, counting errors and delivering them
 * (rate-limited) to `error` listeners and `onError` callbacks, and hiding a key inside an error
 * where the namespace shows it in another form (`describeKey`).
 *
 * @module
 */
import { toError } from '../errors.js';
import type { Core } from './core.js';
import type { CacheEvent, CacheEventName, CacheOp, CacheTier, LimitedError } from './events.js';

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
export function deliverError(core: Core, report: LimitedError): void {
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
