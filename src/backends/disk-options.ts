/**
 * Options of the SQLite disk backend, the parts of better-sqlite3 it uses, its defaults and
 * the validation of its options.
 *
 * @module
 */
import type { InfrastructureError } from '../errors.js';
import { ValidationError, type ValidationIssue } from '../errors.js';

/** The part of a better-sqlite3 `Statement` used by {@link DiskBackend}. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/**
 * The part of a better-sqlite3 `Database` used by {@link DiskBackend}: structural, so the
 * declarations of this package do not depend on `@types/better-sqlite3`.
 */
export interface SqliteDatabase {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare(source: string): SqliteStatement;
  exec(source: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): unknown;
}

/** The better-sqlite3 module (its `Database` constructor). */
export type SqliteModule = new (filename: string) => SqliteDatabase;

/** Options of {@link DiskBackend}. Give a `path` or an open `database`. */
export interface DiskBackendOptions {
  /**
   * Database file; missing parent directories are created. `':memory:'` gives a private
   * in-memory database (tests).
   * @default undefined (required unless `database` is given)
   */
  path?: string;
  /**
   * Largest total size, in bytes, of the stored entries, each measured as
   * `value.byteLength + UTF-8 bytes of its key`. Least recently used entries are evicted to
   * stay under it; an entry larger than this is not stored (and removes any previous value of
   * its key).
   * @default 268_435_456 (256 MiB)
   */
  maxBytes?: number;
  /**
   * Largest number of stored entries; least recently used entries are evicted beyond it.
   * @default 100_000
   */
  maxEntries?: number;
  /**
   * Clock used for expiry and recency, in epoch milliseconds. Inject a fake clock in tests.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Table name (letters, digits and `_`). Companion objects are named after it
   * (`<table>_stats`, indexes and triggers).
   * @default 'cache_entries'
   */
  table?: string;
  /**
   * An open better-sqlite3 `Database` to use instead of opening `path`. It is used as
   * configured (no PRAGMA is changed: enable WAL and a busy timeout yourself for concurrent
   * use) and is not closed by {@link DiskBackend.close} unless `ownsDatabase` is `true`.
   * @default undefined
   */
  database?: SqliteDatabase;
  /**
   * Whether {@link DiskBackend.close} closes the `database` passed in. Databases opened by the
   * backend are always closed.
   * @default false
   */
  ownsDatabase?: boolean;
  /**
   * How long, in milliseconds, a write waits for another connection's write lock before
   * failing with an {@link InfrastructureError} (SQLite `busy_timeout`; databases opened by
   * the backend only).
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * A read refreshes an entry's recency only when it is older than this many milliseconds,
   * so that most reads do not write. `0` refreshes on every read.
   * @default 1000
   */
  touchIntervalMs?: number;
  /**
   * Every this many writes, up to 1000 expired rows are deleted (no timers). `0` disables
   * it: expired rows are then only removed when a cap is reached or by
   * {@link DiskBackend.purgeExpired}.
   * @default 256
   */
  purgeEveryWrites?: number;
  /**
   * The better-sqlite3 module, when it should not be loaded by the backend (bundlers,
   * a custom build).
   * @default the installed `better-sqlite3`, loaded on first use
   */
  lib?: SqliteModule;
}

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
export const DEFAULT_MAX_ENTRIES = 100_000;
export const DEFAULT_TABLE = 'cache_entries';
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
export const DEFAULT_TOUCH_INTERVAL_MS = 1000;
export const DEFAULT_PURGE_EVERY_WRITES = 256;

function checkInteger(issues: ValidationIssue[], path: string, value: unknown, min: 0 | 1): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    issues.push({ path, message: `expected an integer >= ${min} (got ${String(value)})` });
  }
}

/**
 * Checks the options of a {@link DiskBackend}.
 *
 * @throws {ValidationError} listing every problem.
 */
export function validateOptions(options: DiskBackendOptions): void {
  const issues: ValidationIssue[] = [];
  const { path, database } = options;
  if (database !== undefined && path !== undefined) {
    issues.push({ path: '', message: 'give either path or database, not both' });
  } else if (database === undefined && (typeof path !== 'string' || path === '')) {
    issues.push({ path: 'path', message: 'expected a non-empty file path (or ":memory:"), or a database' });
  }
  if (database !== undefined) {
    const db = database as Partial<SqliteDatabase> | null;
    if (typeof db !== 'object' || db === null || typeof db.prepare !== 'function' || db.open !== true) {
      issues.push({ path: 'database', message: 'expected an open better-sqlite3 Database' });
    }
  }
  checkInteger(issues, 'maxBytes', options.maxBytes, 1);
  checkInteger(issues, 'maxEntries', options.maxEntries, 1);
  checkInteger(issues, 'busyTimeoutMs', options.busyTimeoutMs, 0);
  checkInteger(issues, 'touchIntervalMs', options.touchIntervalMs, 0);
  checkInteger(issues, 'purgeEveryWrites', options.purgeEveryWrites, 0);
  const table = options.table;
  if (table !== undefined && (typeof table !== 'string' || !/^(?!sqlite_)[A-Za-z_]\w{0,47}$/i.test(table))) {
    issues.push({
      path: 'table',
      message: 'expected an identifier of letters, digits and _ (at most 48, not starting with sqlite_)',
    });
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    issues.push({ path: 'now', message: 'expected a function returning milliseconds' });
  }
  if (options.lib !== undefined && typeof options.lib !== 'function') {
    issues.push({ path: 'lib', message: 'expected the better-sqlite3 module' });
  }
  if (issues.length > 0) throw new ValidationError('Invalid DiskBackend options', issues);
}
