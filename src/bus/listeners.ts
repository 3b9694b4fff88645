/**
 * Handler and listener bookkeeping shared by the buses: registrations that remove only
 * themselves, dispatch that survives a throwing listener, and an `onError` that cannot throw.
 *
 * @module
 */
import { toError, ValidationError } from '../errors.js';

/** Calls `listener(arg)` for each listener of a snapshot of `listeners`; throws go to `report`. */
export function dispatch<T>(
  listeners: Set<(arg: T) => void>,
  arg: T,
  report: (error: unknown) => void,
): void {
  for (const listener of [...listeners]) {
    try {
      listener(arg);
    } catch (error) {
      report(error);
    }
  }
}

/**
 * Adds `listener` to `set` (a listener added twice is called twice); the returned function
 * removes this registration only (idempotent).
 */
export function addRemovable<T>(set: Set<(arg: T) => void>, listener: (arg: T) => void): () => void {
  const registration = (arg: T): void => listener(arg);
  set.add(registration);
  return () => {
    set.delete(registration);
  };
}

/** Calls `onError` with `error` as an `Error`, swallowing what it throws. */
export function safeReport(onError: ((error: Error) => void) | undefined, error: unknown): void {
  if (!onError) return;
  try {
    onError(toError(error));
  } catch {
    // A failing error handler must not break the bus.
  }
}

/** @throws {ValidationError} naming `what` when `value` is not a function. */
export function checkHandler(value: unknown, what: string): void {
  if (typeof value !== 'function') {
    throw new ValidationError(`Invalid ${what} argument`, [{ path: what, message: 'expected a function' }]);
  }
}
