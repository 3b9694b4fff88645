/**
 * better-sqlite3 for the disk backend: loading it (an optional peer dependency, on first use),
 * opening a database file (WAL), the schema with its totals triggers, key ranges for
 * prefixes, and the classification of its errors.
 *
 * @module
 */
import type { Buffer } from 'node:buffer';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigurationError, InfrastructureError } from '../errors.js';
import { nodeRequire } from '../node-require.js';
import type { SqliteDatabase, SqliteModule } from './disk-options.js';

const PACKAGE = 'better-sqlite3';

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
 * Opens (or creates) the database file at `path` (`':memory:'` for a private in-memory one),
 * creating missing parent directories, in WAL mode with `synchronous = NORMAL` and
 * `busy_timeout`.
 *
 * @throws {ConfigurationError} when the native addon cannot be loaded.
 * @throws {InfrastructureError} when the file cannot be opened.
 */
export function openDatabase(lib: SqliteModule, path: string, busyTimeoutMs: number): SqliteDatabase {
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

/**
 * The SQL creating the entries table `table` (quoted), its indexes, its one-row totals table
 * `totalsTable` (quoted) and the triggers keeping the totals exact. Idempotent (`IF NOT
 * EXISTS`), and safe when several processes run it at once inside a write transaction.
 */
export function schemaSql(table: string, totalsTable: string): string {
  const t = table;
  const name = t.slice(1, -1);
  return `    CREATE TABLE IF NOT EXISTS ${t} (
      key TEXT PRIMARY KEY NOT NULL,
      value BLOB NOT NULL,
      expires_at INTEGER NOT NULL,
      size INTEGER NOT NULL,
      last_access INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS "${name}_expires_at" ON ${t} (expires_at);
    CREATE INDEX IF NOT EXISTS "${name}_last_access" ON ${t} (last_access);
    CREATE TABLE IF NOT EXISTS ${totalsTable} (
      id INTEGER PRIMARY KEY CHECK (id = 0),
      entries INTEGER NOT NULL,
      bytes INTEGER NOT NULL
    );
    INSERT OR IGNORE INTO ${totalsTable} (id, entries, bytes)
      SELECT 0, count(*), coalesce(sum(size), 0) FROM ${t};
    CREATE TRIGGER IF NOT EXISTS "${name}_after_insert" AFTER INSERT ON ${t} BEGIN
      UPDATE ${totalsTable} SET entries = entries + 1, bytes = bytes + NEW.size WHERE id = 0;
    END;
    CREATE TRIGGER IF NOT EXISTS "${name}_after_delete" AFTER DELETE ON ${t} BEGIN
      UPDATE ${totalsTable} SET entries = entries - 1, bytes = bytes - OLD.size WHERE id = 0;
    END;
    CREATE TRIGGER IF NOT EXISTS "${name}_after_resize" AFTER UPDATE OF size ON ${t} BEGIN
      UPDATE ${totalsTable} SET bytes = bytes - OLD.size + NEW.size WHERE id = 0;
    END;
  `;
}

/**
 * The key range `[lower, upper)` holding exactly the strings that start with `prefix` (in
 * SQLite's BINARY order, which is code point order): `upper` is the prefix with its last code
 * point incremented. No LIKE/GLOB, so `%`, `_`, `*`, `?` and `[` are plain characters.
 */
export function prefixRange(prefix: string): { lower: string; upper: string | undefined } {
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

/** Whether opening failed because the native addon could not be loaded (not because of the file). */
export function isAddonFailure(error: unknown): boolean {
  if (errorCode(error) === 'ERR_DLOPEN_FAILED') return true;
  const message = error instanceof Error ? error.message : '';
  return /NODE_MODULE_VERSION|bindings file|\.node\b/.test(message);
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A plain Uint8Array view over a Buffer returned by better-sqlite3 (no copy). */
export function toBytes(value: Buffer): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
