/**
 * Persistent byte store in a SQLite file through better-sqlite3 (an optional peer dependency,
 * loaded only when a {@link DiskBackend} is created).
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import {
  CacheError,
  ConfigurationError,
  InfrastructureError,
  ValidationError,
  type ValidationIssue,
} from '../errors.js';
import type { BackendEntry, CacheBackend } from './types.js';

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

interface Row {
  value: Buffer;
  last_access: number;
}

interface Stats {
  entries: number;
  bytes: number;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const DEFAULT_MAX_ENTRIES = 100_000;
const DEFAULT_TABLE = 'cache_entries';
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const DEFAULT_TOUCH_INTERVAL_MS = 1000;
const DEFAULT_PURGE_EVERY_WRITES = 256;
const PURGE_BATCH = 1000;
const KEYS_BATCH = 500;
const PACKAGE = 'better-sqlite3';

/**
 * Node's `require`, resolved from this module. ESM: created from `import.meta.url`. CJS build:
 * esbuild leaves `import.meta` empty (unless tsup's `shims` is on) and the real `require` exists.
 * (`typeof require` cannot decide: esbuild's ESM output defines a throwing `require` shim.)
 */
function nodeRequire(id: string): unknown {
  const url: string | undefined = import.meta.url;
  return (url ? createRequire(url) : require)(id);
}

/**
 * Loads better-sqlite3 with `load` (Node's `require` by default).
 *
 * @throws {ConfigurationError} naming the package and how to install (or rebuild) it when it
 * cannot be loaded.
 */
export function loadBetterSqlite3(load: (id: string) => unknown = nodeRequire): SqliteModule {
  let loaded: unknown;
  try {
    loaded = load(PACKAGE);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const missing =
      (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
      String((error as Error).message).includes(`'${PACKAGE}'`);
    throw new ConfigurationError(
      missing
        ? `DiskBackend needs the optional peer dependency ${PACKAGE}: npm install ${PACKAGE}`
        : `DiskBackend could not load ${PACKAGE} (${(error as Error).message}); reinstall it: npm install ${PACKAGE}`,
      { cause: error, context: { backend: 'disk', package: PACKAGE } },
    );
  }
  const ctor = (loaded as { default?: unknown } | undefined)?.default ?? loaded;
  if (typeof ctor !== 'function') {
    throw new ConfigurationError(`${PACKAGE} did not export a Database constructor`, {
      context: { backend: 'disk', package: PACKAGE },
    });
  }
  return ctor as SqliteModule;
}

/**
 * The key range `[lower, upper)` holding exactly the strings that start with `prefix` (in
 * SQLite's BINARY order, which is code point order): `upper` is the prefix with its last code
 * point incremented. No LIKE/GLOB, so `%`, `_`, `*`, `?` and `[` are plain characters.
 */
function prefixRange(prefix: string): { lower: string; upper: string | undefined } {
  const points = Array.from(prefix);
  while (points.length > 0) {
    let last = points.pop()?.codePointAt(0) ?? 0;
    if (last >= 0xd800 && last <= 0xdfff) last = 0xfffd; // lone surrogates are stored as U+FFFD
    if (last < 0x10ffff) {
      return {
        lower: prefix,
        upper: points.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1),
      };
    }
  }
  return { lower: prefix, upper: undefined };
}

function checkEntry(issues: ValidationIssue[], value: unknown, ttlMs: unknown, path = ''): void {
  if (!(value instanceof Uint8Array)) issues.push({ path: `${path}value`, message: 'expected a Uint8Array' });
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    issues.push({
      path: `${path}ttlMs`,
      message: `expected a finite number of milliseconds > 0 (got ${String(ttlMs)})`,
    });
  }
}

function checkInteger(issues: ValidationIssue[], path: string, value: unknown, min: 0 | 1): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    issues.push({ path, message: `expected an integer >= ${min} (got ${String(value)})` });
  }
}

function validateOptions(options: DiskBackendOptions): void {
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

/**
 * A persistent {@link CacheBackend} in one SQLite file, shared safely by the processes of
 * one machine: entries survive restarts, so a developer's reruns stop paying for the same
 * prompts without any server.
 *
 * - **Concurrency**: the backend opens the file in WAL mode (`synchronous = NORMAL`,
 *   `busy_timeout`), so readers never block and writers of several processes wait for each
 *   other (up to `busyTimeoutMs`). Not for network file systems (WAL needs shared memory).
 * - **Expiry**: rows carry `expires_at` on the injectable clock; every read filters on it.
 *   Expired rows are deleted in bounded batches every `purgeEveryWrites` writes, whenever a
 *   cap is reached, and by {@link DiskBackend.purgeExpired}.
 * - **Caps, exact across processes**: triggers keep the entry count and total size in a
 *   one-row `<table>_stats` table, updated in the same transaction as every write, so reading
 *   the totals is O(1) and sees the writes of every process. Each `set`/`setMany` runs in a
 *   `BEGIN IMMEDIATE` transaction that writes, then (when over a cap) deletes expired rows and
 *   evicts least-recently-used rows (`ORDER BY last_access`, batches sized from the average
 *   entry size) until both caps hold, so they hold at every commit.
 * - **Recency**: a write sets `last_access`; a read refreshes it only when older than
 *   `touchIntervalMs` (best effort: a busy database never fails a read), so LRU order has
 *   that resolution. `has()` and `keys()` do not refresh it.
 * - Calls are synchronous SQLite calls wrapped in promises; failures reject with an
 *   {@link InfrastructureError} (`context.op`, `backend: 'disk'`, SQLite `code`), whose
 *   message never holds a value.
 *
 * @example
 * const cache = createCache({ backend: new DiskBackend({ path: '.cache/llm.sqlite' }) });
 */
export class DiskBackend implements CacheBackend {
  /** Always `'disk'`. */
  readonly name = 'disk';

  readonly #db: SqliteDatabase;
  readonly #ownsDatabase: boolean;
  /** Quoted names of the entries table and of its totals table. */
  readonly #table: string;
  readonly #totalsTable: string;
  readonly #maxBytes: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #touchIntervalMs: number;
  readonly #purgeEveryWrites: number;
  readonly #statements = new Map<string, SqliteStatement>();
  #writes = 0;
  #closed = false;

  /**
   * Opens (or creates) the database and its schema.
   *
   * @throws {ValidationError} for invalid options (every problem listed).
   * @throws {ConfigurationError} when better-sqlite3 is not installed or cannot be loaded.
   * @throws {InfrastructureError} when the database cannot be opened or initialised.
   */
  constructor(options: DiskBackendOptions) {
    validateOptions(options ?? {});
    const table = options.table ?? DEFAULT_TABLE;
    this.#table = `"${table}"`;
    this.#totalsTable = `"${table}_stats"`;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#now = options.now ?? Date.now;
    this.#touchIntervalMs = options.touchIntervalMs ?? DEFAULT_TOUCH_INTERVAL_MS;
    this.#purgeEveryWrites = options.purgeEveryWrites ?? DEFAULT_PURGE_EVERY_WRITES;
    if (options.database !== undefined) {
      this.#db = options.database;
      this.#ownsDatabase = options.ownsDatabase === true;
    } else {
      const lib = options.lib ?? loadBetterSqlite3();
      const path = options.path ?? '';
      this.#db = this.#open(lib, path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
      this.#ownsDatabase = true;
    }
    try {
      this.#createSchema();
    } catch (error) {
      if (this.#ownsDatabase) this.#db.close();
      throw this.#wrap('open', error);
    }
  }

  /** The underlying better-sqlite3 connection (shared: do not close it while in use). */
  get database(): SqliteDatabase {
    return this.#db;
  }

  /**
   * Number of stored rows, including expired ones not purged yet (all processes).
   * @throws {InfrastructureError} when closed.
   */
  get size(): number {
    return this.#sync('stats', () => this.#stats().entries);
  }

  /**
   * Total size of the stored rows in bytes (`value.byteLength` + UTF-8 key bytes).
   * @throws {InfrastructureError} when closed.
   */
  get bytes(): number {
    return this.#sync('stats', () => this.#stats().bytes);
  }

  /** {@inheritDoc CacheBackend.get} */
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.#sync('get', () => {
      const now = this.#now();
      const row = this.#selectLive().get(key, now) as Row | undefined;
      if (row === undefined) return undefined;
      if (now - row.last_access >= this.#touchIntervalMs) {
        try {
          this.#touch().run(now, key);
        } catch {
          // Best effort: a locked database must not turn a hit into a failure.
        }
      }
      return toBytes(row.value);
    });
  }

  /** {@inheritDoc CacheBackend.set} */
  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    this.#sync('set', () => {
      const issues: ValidationIssue[] = [];
      checkEntry(issues, value, ttlMs);
      if (issues.length > 0) throw new ValidationError('Invalid backend entry', issues);
      this.#transaction('IMMEDIATE', () => {
        const now = this.#now();
        this.#write(key, value, ttlMs, now);
        this.#afterWrites(1, now);
      });
    });
  }

  /** {@inheritDoc CacheBackend.delete} */
  async delete(key: string): Promise<boolean> {
    return this.#sync('delete', () => {
      const row = this.#stmt(`DELETE FROM ${this.#table} WHERE key = ? RETURNING expires_at`).get(key) as
        | { expires_at: number }
        | undefined;
      return row !== undefined && row.expires_at > this.#now();
    });
  }

  /** {@inheritDoc CacheBackend.has} */
  async has(key: string): Promise<boolean> {
    return this.#sync(
      'has',
      () =>
        this.#stmt(`SELECT 1 FROM ${this.#table} WHERE key = ? AND expires_at > ?`).get(key, this.#now()) !==
        undefined,
    );
  }

  /** {@inheritDoc CacheBackend.clear} */
  async clear(prefix = ''): Promise<void> {
    this.#sync('clear', () => {
      if (prefix === '') {
        this.#stmt(`DELETE FROM ${this.#table}`).run();
        return;
      }
      const { lower, upper } = prefixRange(prefix);
      const sql = `DELETE FROM ${this.#table} WHERE key >= ?${upper === undefined ? '' : ' AND key < ?'}`;
      this.#stmt(sql).run(...(upper === undefined ? [lower] : [lower, upper]));
    });
  }

  /**
   * {@inheritDoc CacheBackend.keys}
   *
   * Pages through the live keys in key order, 500 per query (no long-lived cursor holding the
   * connection), so writes may interleave; each key is yielded once.
   */
  async *keys(prefix = ''): AsyncIterable<string> {
    const { lower, upper } = prefixRange(prefix);
    let after: string | undefined;
    for (;;) {
      const batch = this.#sync('keys', () => {
        const params: unknown[] = [after ?? lower];
        let sql = `SELECT key FROM ${this.#table} WHERE key ${after === undefined ? '>=' : '>'} ?`;
        if (upper !== undefined) {
          sql += ' AND key < ?';
          params.push(upper);
        }
        sql += ' AND expires_at > ? ORDER BY key LIMIT ?';
        params.push(this.#now(), KEYS_BATCH);
        return (this.#stmt(sql).all(...params) as { key: string }[]).map((row) => row.key);
      });
      yield* batch;
      after = batch[batch.length - 1];
      if (batch.length < KEYS_BATCH || after === undefined) return;
    }
  }

  /** {@inheritDoc CacheBackend.getMany} */
  async getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    return this.#sync('getMany', () => {
      if (keys.length === 0) return [];
      const now = this.#now();
      const stale = new Set<string>();
      const select = this.#selectLive();
      const values = this.#transaction('DEFERRED', () =>
        keys.map((key) => {
          const row = select.get(key, now) as Row | undefined;
          if (row === undefined) return undefined;
          if (now - row.last_access >= this.#touchIntervalMs) stale.add(key);
          return toBytes(row.value);
        }),
      );
      if (stale.size > 0) {
        try {
          this.#transaction('IMMEDIATE', () => {
            for (const key of stale) this.#touch().run(now, key);
          });
        } catch {
          // Best effort, as in get().
        }
      }
      return values;
    });
  }

  /** {@inheritDoc CacheBackend.setMany} */
  async setMany(entries: BackendEntry[]): Promise<void> {
    this.#sync('setMany', () => {
      const issues: ValidationIssue[] = [];
      entries.forEach((entry, index) => {
        checkEntry(issues, entry.value, entry.ttlMs, `entries.${index}.`);
      });
      if (issues.length > 0) throw new ValidationError('Invalid backend entries', issues);
      if (entries.length === 0) return;
      this.#transaction('IMMEDIATE', () => {
        const now = this.#now();
        for (const entry of entries) this.#write(entry.key, entry.value, entry.ttlMs, now);
        this.#afterWrites(entries.length, now);
      });
    });
  }

  /**
   * Deletes every expired row now and returns how many were deleted.
   *
   * @throws {InfrastructureError} when closed or when the database fails.
   */
  purgeExpired(): number {
    return this.#sync(
      'purgeExpired',
      () => this.#stmt(`DELETE FROM ${this.#table} WHERE expires_at <= ?`).run(this.#now()).changes,
    );
  }

  /**
   * Closes the database when the backend owns it; later calls reject with an
   * {@link InfrastructureError}. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    if (this.#ownsDatabase && this.#db.open) {
      try {
        this.#db.close();
      } catch (error) {
        throw this.#wrap('close', error);
      }
    }
  }

  #open(lib: SqliteModule, path: string, busyTimeoutMs: number): SqliteDatabase {
    let db: SqliteDatabase | undefined;
    try {
      if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
      db = new lib(path);
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      return db;
    } catch (error) {
      db?.close();
      if (isAddonFailure(error)) {
        throw new ConfigurationError(
          `DiskBackend could not load the native addon of ${PACKAGE} (built for another Node.js version or platform?); rebuild it: npm rebuild ${PACKAGE}`,
          { cause: error, context: { backend: 'disk', package: PACKAGE } },
        );
      }
      throw new InfrastructureError(`Could not open the DiskBackend database at ${path}`, {
        cause: error,
        context: { op: 'open', backend: 'disk', path, code: errorCode(error) },
      });
    }
  }

  /** Idempotent and safe when several processes open the same file at once. */
  #createSchema(): void {
    const t = this.#table;
    const name = t.slice(1, -1);
    this.#transaction('IMMEDIATE', () => {
      this.#db.exec(`
        CREATE TABLE IF NOT EXISTS ${t} (
          key TEXT PRIMARY KEY NOT NULL,
          value BLOB NOT NULL,
          expires_at INTEGER NOT NULL,
          size INTEGER NOT NULL,
          last_access INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS "${name}_expires_at" ON ${t} (expires_at);
        CREATE INDEX IF NOT EXISTS "${name}_last_access" ON ${t} (last_access);
        CREATE TABLE IF NOT EXISTS ${this.#totalsTable} (
          id INTEGER PRIMARY KEY CHECK (id = 0),
          entries INTEGER NOT NULL,
          bytes INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO ${this.#totalsTable} (id, entries, bytes)
          SELECT 0, count(*), coalesce(sum(size), 0) FROM ${t};
        CREATE TRIGGER IF NOT EXISTS "${name}_after_insert" AFTER INSERT ON ${t} BEGIN
          UPDATE ${this.#totalsTable} SET entries = entries + 1, bytes = bytes + NEW.size WHERE id = 0;
        END;
        CREATE TRIGGER IF NOT EXISTS "${name}_after_delete" AFTER DELETE ON ${t} BEGIN
          UPDATE ${this.#totalsTable} SET entries = entries - 1, bytes = bytes - OLD.size WHERE id = 0;
        END;
        CREATE TRIGGER IF NOT EXISTS "${name}_after_resize" AFTER UPDATE OF size ON ${t} BEGIN
          UPDATE ${this.#totalsTable} SET bytes = bytes - OLD.size + NEW.size WHERE id = 0;
        END;
      `);
    });
  }

  /** Upserts one entry; must run inside a write transaction. */
  #write(key: string, value: Uint8Array, ttlMs: number, now: number): void {
    const size = value.byteLength + Buffer.byteLength(key);
    if (size > this.#maxBytes) {
      this.#stmt(`DELETE FROM ${this.#table} WHERE key = ?`).run(key);
      return;
    }
    const expiresAt = Math.min(Number.MAX_SAFE_INTEGER, Math.ceil(now + ttlMs));
    this.#stmt(
      `INSERT INTO ${this.#table} (key, value, expires_at, size, last_access) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
         size = excluded.size, last_access = excluded.last_access`,
    ).run(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength), expiresAt, size, now);
  }

  /** Periodic bounded purge, then cap enforcement; inside the write transaction. */
  #afterWrites(count: number, now: number): void {
    const t = this.#table;
    this.#writes += count;
    if (this.#purgeEveryWrites > 0 && this.#writes >= this.#purgeEveryWrites) {
      this.#writes = 0;
      this.#stmt(
        `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expires_at <= ? LIMIT ?)`,
      ).run(now, PURGE_BATCH);
    }
    let stats = this.#stats();
    if (this.#withinCaps(stats)) return;
    this.#stmt(`DELETE FROM ${t} WHERE expires_at <= ?`).run(now);
    stats = this.#stats();
    const evict = this.#stmt(
      `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} ORDER BY last_access, rowid LIMIT ?)`,
    );
    while (!this.#withinCaps(stats) && stats.entries > 0) {
      const overBytes = stats.bytes - this.#maxBytes;
      const byBytes = overBytes > 0 ? Math.ceil(overBytes / (stats.bytes / stats.entries)) : 0;
      const { changes } = evict.run(Math.max(1, stats.entries - this.#maxEntries, byBytes));
      if (changes === 0) break; // totals out of sync with the table: never loop forever
      stats = this.#stats();
    }
  }

  #withinCaps(stats: Stats): boolean {
    return stats.entries <= this.#maxEntries && stats.bytes <= this.#maxBytes;
  }

  #stats(): Stats {
    const row = this.#stmt(`SELECT entries, bytes FROM ${this.#totalsTable} WHERE id = 0`).get() as
      | Stats
      | undefined;
    return row ?? { entries: 0, bytes: 0 };
  }

  #selectLive(): SqliteStatement {
    return this.#stmt(`SELECT value, last_access FROM ${this.#table} WHERE key = ? AND expires_at > ?`);
  }

  #touch(): SqliteStatement {
    return this.#stmt(`UPDATE ${this.#table} SET last_access = ? WHERE key = ?`);
  }

  #transaction<T>(mode: 'IMMEDIATE' | 'DEFERRED', fn: () => T): T {
    this.#stmt(`BEGIN ${mode}`).run();
    try {
      const result = fn();
      this.#stmt('COMMIT').run();
      return result;
    } catch (error) {
      if (this.#db.inTransaction) {
        try {
          this.#stmt('ROLLBACK').run();
        } catch {
          // The original error matters more.
        }
      }
      throw error;
    }
  }

  /** A prepared statement, created once per SQL text. */
  #stmt(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs a synchronous database call: rejects when closed, wraps database errors. */
  #sync<T>(op: string, fn: () => T): T {
    if (this.#closed) {
      throw new InfrastructureError('DiskBackend is closed', { context: { op, backend: 'disk' } });
    }
    try {
      return fn();
    } catch (error) {
      throw this.#wrap(op, error);
    }
  }

  #wrap(op: string, error: unknown): CacheError {
    if (error instanceof CacheError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new InfrastructureError(`DiskBackend ${op} failed: ${message}`, {
      cause: error,
      context: { op, backend: 'disk', code: errorCode(error) },
    });
  }
}

/** Whether opening failed because the native addon could not be loaded (not because of the file). */
function isAddonFailure(error: unknown): boolean {
  if (errorCode(error) === 'ERR_DLOPEN_FAILED') return true;
  const message = error instanceof Error ? error.message : '';
  return /NODE_MODULE_VERSION|bindings file|\.node\b/.test(message);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A plain Uint8Array view over a Buffer returned by better-sqlite3 (no copy). */
function toBytes(value: Buffer): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
