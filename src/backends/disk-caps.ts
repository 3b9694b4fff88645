/**
 * The size caps of a {@link DiskBackend} table: a bounded purge of expired rows every
 * `purgeEveryWrites` writes, then, when the totals exceed `maxEntries` or `maxBytes`, every
 * expired row dropped and the least recently used rows evicted until both caps hold. Runs inside
 * the write transaction; the totals come from the table kept by the schema's triggers.
 *
 * @module
 */
import type { Statements } from './disk-statements.js';

/** Rows removed by one periodic purge at most. */
const PURGE_BATCH = 1000;

/** Entries and bytes of a table. */
export interface DiskTotals {
  entries: number;
  bytes: number;
}

/** The caps of one table. */
export interface DiskCapOptions {
  maxEntries: number;
  maxBytes: number;
  /** Writes between two periodic purges (`0`: none). */
  purgeEveryWrites: number;
}

/** See the module documentation. */
export class DiskCaps {
  readonly #sql: Statements;
  readonly #table: string;
  readonly #totalsTable: string;
  readonly #options: DiskCapOptions;
  #writes = 0;

  constructor(sql: Statements, table: string, totalsTable: string, options: DiskCapOptions) {
    this.#sql = sql;
    this.#table = table;
    this.#totalsTable = totalsTable;
    this.#options = options;
  }

  /** The table's entries and bytes. */
  totals(): DiskTotals {
    const row = this.#sql.get(`SELECT entries, bytes FROM ${this.#totalsTable} WHERE id = 0`).get() as
      | DiskTotals
      | undefined;
    return row ?? { entries: 0, bytes: 0 };
  }

  /** Whether both caps hold. */
  within(totals: DiskTotals): boolean {
    return totals.entries <= this.#options.maxEntries && totals.bytes <= this.#options.maxBytes;
  }

  /** After `count` writes at `now`: the periodic purge, then the caps enforced. */
  afterWrites(count: number, now: number): void {
    const t = this.#table;
    const { purgeEveryWrites, maxEntries, maxBytes } = this.#options;
    this.#writes += count;
    if (purgeEveryWrites > 0 && this.#writes >= purgeEveryWrites) {
      this.#writes = 0;
      this.#sql
        .get(`DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expires_at <= ? LIMIT ?)`)
        .run(now, PURGE_BATCH);
    }
    let totals = this.totals();
    if (this.within(totals)) return;
    this.#sql.get(`DELETE FROM ${t} WHERE expires_at <= ?`).run(now);
    totals = this.totals();
    const evict = this.#sql.get(
      `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} ORDER BY last_access, rowid LIMIT ?)`,
    );
    while (!this.within(totals) && totals.entries > 0) {
      const overBytes = totals.bytes - maxBytes;
      const byBytes = overBytes > 0 ? Math.ceil(overBytes / (totals.bytes / totals.entries)) : 0;
      const { changes } = evict.run(Math.max(1, totals.entries - maxEntries, byBytes));
      if (changes === 0) break; // totals out of sync with the table: never loop forever
      totals = this.totals();
    }
  }
}
