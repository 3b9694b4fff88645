/**
 * Checks of the entries given to a byte backend's `set` and `setMany`.
 *
 * @module
 */
import type { ValidationIssue } from '../errors.js';

/** Adds an issue for a `value` that is not bytes and for a `ttlMs` that is not a positive finite number. */
export function checkEntry(issues: ValidationIssue[], value: unknown, ttlMs: unknown, path = ''): void {
  if (!(value instanceof Uint8Array)) issues.push({ path: `${path}value`, message: 'expected a Uint8Array' });
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    issues.push({
      path: `${path}ttlMs`,
      message: `expected a finite number of milliseconds > 0 (got ${String(ttlMs)})`,
    });
  }
}
