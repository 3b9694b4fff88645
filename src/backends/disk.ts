/**
 * Persistent byte store in a SQLite file through better-sqlite3 (an optional peer dependency,
 * loaded only when a {@link DiskBackend} is created).
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { CacheError, InfrastructureError, ValidationError, type ValidationIssue } from '../errors.js';
import { DiskCaps } from './disk-caps.js';
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_PURGE_EVERY_WRITES,
  DEFAULT_TABLE,
  DEFAULT_TOUCH_INTERVAL_MS,
  type DiskBackendOptions,
  type SqliteDatabase,
  type SqliteStatement,
  validateOptions,
} from './disk-options.js';
import {
  errorCode,
  loadBetterSqlite3,
  openDatabase,
  prefixRange,
  schemaSql,
  toBytes,
} from './disk-sqlite.js';
import { Statements } from './disk-statements.js';
import { checkEntry } from './entries.js';
import type { BackendEntry, CacheBackend } from './types.js';

export type { DiskBackendOptions, SqliteDatabase, SqliteModule, SqliteStatement } from './disk-options.js';
export { loadBetterSqlite3 } from './disk-sqlite.js';

interface Row {
  value: Buffer;
  last_access: number;
}

const KEYS_BATCH = 500;

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
  readonly #now: () => number;
  readonly #touchIntervalMs: number;
  readonly #sql: Statements;
  readonly #caps: DiskCaps;
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
    this.#now = options.now ?? Date.now;
    this.#touchIntervalMs = options.touchIntervalMs ?? DEFAULT_TOUCH_INTERVAL_MS;
    if (options.database !== undefined) {
      this.#db = options.database;
      this.#ownsDatabase = options.ownsDatabase === true;
    } else {
      const lib = options.lib ?? loadBetterSqlite3();
      const path = options.path ?? '';
      this.#db = openDatabase(lib, path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
      this.#ownsDatabase = true;
    }
    this.#sql = new Statements(this.#db);
    this.#caps = new DiskCaps(this.#sql, this.#table, this.#totalsTable, {
      maxEntries: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
      maxBytes: this.#maxBytes,
      purgeEveryWrites: options.purgeEveryWrites ?? DEFAULT_PURGE_EVERY_WRITES,
    });
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
    return this.#sync('stats', () => this.#caps.totals().entries);
  }

  /**
   * Total size of the stored rows in bytes (`value.byteLength` + UTF-8 key bytes).
   * @throws {InfrastructureError} when closed.
   */
  get bytes(): number {
    return this.#sync('stats', () => this.#caps.totals().bytes);
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
      this.#sql.transaction('IMMEDIATE', () => {
        const now = this.#now();
        this.#write(key, value, ttlMs, now);
        this.#caps.afterWrites(1, now);
      });
    });
  }

  /** {@inheritDoc CacheBackend.delete} */
  async delete(key: string): Promise<boolean> {
    return this.#sync('delete', () => {
      const row = this.#sql.get(`DELETE FROM ${this.#table} WHERE key = ? RETURNING expires_at`).get(key) as
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
        this.#sql
          .get(`SELECT 1 FROM ${this.#table} WHERE key = ? AND expires_at > ?`)
          .get(key, this.#now()) !== undefined,
    );
  }

  /** {@inheritDoc CacheBackend.clear} */
  async clear(prefix = ''): Promise<void> {
    this.#sync('clear', () => {
      if (prefix === '') {
        this.#sql.get(`DELETE FROM ${this.#table}`).run();
        return;
      }
      const { lower, upper } = prefixRange(prefix);
      const sql = `DELETE FROM ${this.#table} WHERE key >= ?${upper === undefined ? '' : ' AND key < ?'}`;
      this.#sql.get(sql).run(...(upper === undefined ? [lower] : [lower, upper]));
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
        return (this.#sql.get(sql).all(...params) as { key: string }[]).map((row) => row.key);
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
      const values = this.#sql.transaction('DEFERRED', () =>
        keys.map((key) => {
          const row = select.get(key, now) as Row | undefined;
          if (row === undefined) return undefined;
          if (now - row.last_access >= this.#touchIntervalMs) stale.add(key);
          return toBytes(row.value);
        }),
      );
      if (stale.size > 0) {
        try {
          this.#sql.transaction('IMMEDIATE', () => {
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
      this.#sql.transaction('IMMEDIATE', () => {
        const now = this.#now();
        for (const entry of entries) this.#write(entry.key, entry.value, entry.ttlMs, now);
        this.#caps.afterWrites(entries.length, now);
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
      () => this.#sql.get(`DELETE FROM ${this.#table} WHERE expires_at <= ?`).run(this.#now()).changes,
    );
  }

  /**
   * Closes the database when the backend owns it; later calls reject with an
   * {@link InfrastructureError}. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sql.clear();
    if (this.#ownsDatabase && this.#db.open) {
      try {
        this.#db.close();
      } catch (error) {
        throw this.#wrap('close', error);
      }
    }
  }

  /** Idempotent and safe when several processes open the same file at once. */
  #createSchema(): void {
    this.#sql.transaction('IMMEDIATE', () => {
      this.#db.exec(schemaSql(this.#table, this.#totalsTable));
    });
  }

  /** Upserts one entry; must run inside a write transaction. */
  #write(key: string, value: Uint8Array, ttlMs: number, now: number): void {
    const size = value.byteLength + Buffer.byteLength(key);
    if (size > this.#maxBytes) {
      this.#sql.get(`DELETE FROM ${this.#table} WHERE key = ?`).run(key);
      return;
    }
    const expiresAt = Math.min(Number.MAX_SAFE_INTEGER, Math.ceil(now + ttlMs));
    this.#sql
      .get(
        `INSERT INTO ${this.#table} (key, value, expires_at, size, last_access) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
         size = excluded.size, last_access = excluded.last_access`,
      )
      .run(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength), expiresAt, size, now);
  }

  #selectLive(): SqliteStatement {
    return this.#sql.get(`SELECT value, last_access FROM ${this.#table} WHERE key = ? AND expires_at > ?`);
  }

  #touch(): SqliteStatement {
    return this.#sql.get(`UPDATE ${this.#table} SET last_access = ? WHERE key = ?`);
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
