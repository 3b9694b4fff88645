/**
 * The prepared statements of one SQLite connection (each SQL text prepared once) and the
 * transactions run through them.
 *
 * @module
 */
import type { SqliteDatabase, SqliteStatement } from './disk-options.js';

/** Prepared statements and transactions on `db`. */
export class Statements {
  readonly #db: SqliteDatabase;
  readonly #cache = new Map<string, SqliteStatement>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /** The prepared statement of `sql`, prepared on first use. */
  get(sql: string): SqliteStatement {
    let statement = this.#cache.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#cache.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `fn` in a `BEGIN <mode>` transaction: committed when it returns, rolled back when it
   * throws (its error is rethrown; a failing rollback is ignored).
   */
  transaction<T>(mode: 'IMMEDIATE' | 'DEFERRED', fn: () => T): T {
    this.get(`BEGIN ${mode}`).run();
    try {
      const result = fn();
      this.get('COMMIT').run();
      return result;
    } catch (error) {
      if (this.#db.inTransaction) {
        try {
          this.get('ROLLBACK').run();
        } catch {
          // The original error matters more.
        }
      }
      throw error;
    }
  }

  /** Forgets the prepared statements (before the connection closes). */
  clear(): void {
    this.#cache.clear();
  }
}
