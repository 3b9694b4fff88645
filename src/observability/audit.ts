/**
 * Audit trail callback: one structured record per cache operation.
 *
 * @module
 */
import type { CacheCallbacks, CacheOp, GetContext, SetContext } from '../cache/events.js';
import { ValidationError } from '../errors.js';

/** Operations an {@link AuditCallback} can record. */
export type AuditOp = 'get' | 'set' | 'delete' | 'miss' | 'error';

/** Every {@link AuditOp}. */
export const AUDIT_OPS: readonly AuditOp[] = Object.freeze(['get', 'set', 'delete', 'miss', 'error']);

/** One audited cache operation. Contains no value unless `includeValues` is set. */
export interface AuditRecord {
  /** When the record was made (ISO 8601). */
  timestamp: string;
  /** What happened: `get` is a hit, `miss` a miss. */
  op: AuditOp;
  /** Full cache key (keys never contain secrets). */
  key: string;
  /** Tier that answered a hit. */
  tier?: 'l1' | 'l2';
  /** Outcome. */
  result: 'hit' | 'miss' | 'ok' | 'error';
  /** Encoded size of a stored entry. */
  bytes?: number;
  /** Duration of the operation in milliseconds (`0` when the cache did not measure it). */
  durationMs: number;
  /** TTL of a stored entry, in milliseconds. */
  ttlMs?: number;
  /** Tags of a stored entry. */
  tags?: readonly string[];
  /** Whether a deleted key existed. */
  existed?: boolean;
  /** The cache operation that failed, for `error` records. */
  failedOp?: CacheOp;
  /** Name and message of the error (never its stack or cause); URL passwords are masked. */
  error?: { name: string; message: string };
  /** The cached value; only present with `includeValues: true`. */
  value?: unknown;
}

/** Options of {@link AuditCallback}. */
export interface AuditCallbackOptions {
  /** Receives every record (e.g. `(r) => logger.info(r, 'cache')`). */
  log: (record: AuditRecord) => void;
  /**
   * Include cached values in `get` and `set` records. Values may hold personal data or model
   * output you do not want in logs.
   * @default false
   */
  includeValues?: boolean;
  /**
   * Operations to record.
   * @default ['get', 'set', 'delete', 'miss', 'error']
   */
  ops?: readonly AuditOp[];
  /**
   * Clock, in milliseconds since the epoch.
   * @default Date.now
   */
  now?: () => number;
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s@/]+@/gi;

/**
 * Writes one {@link AuditRecord} per cache operation to `log`. Values are left out unless
 * `includeValues` is set.
 *
 * @example cache.use(new AuditCallback({ log: (record) => logger.info(record, 'cache audit') }));
 */
export class AuditCallback implements CacheCallbacks {
  readonly #log: (record: AuditRecord) => void;
  readonly #includeValues: boolean;
  readonly #ops: ReadonlySet<AuditOp>;
  readonly #now: () => number;

  constructor(options: AuditCallbackOptions) {
    const unknownOps = (options.ops ?? []).filter((op) => !AUDIT_OPS.includes(op));
    if (typeof options.log !== 'function' || unknownOps.length > 0) {
      throw new ValidationError('Invalid AuditCallback options', [
        ...(typeof options.log === 'function' ? [] : [{ path: 'log', message: 'expected a function' }]),
        ...unknownOps.map((op) => ({
          path: 'ops',
          message: `unknown op ${JSON.stringify(op)}; expected one of ${AUDIT_OPS.join(', ')}`,
        })),
      ]);
    }
    this.#log = options.log;
    this.#includeValues = options.includeValues ?? false;
    this.#ops = new Set(options.ops ?? AUDIT_OPS);
    this.#now = options.now ?? Date.now;
  }

  /** Records a hit. Never replaces the value. */
  onGet(context: GetContext): undefined {
    if (!this.#ops.has('get')) return undefined;
    this.#emit({
      ...this.#base('get', context.key, 'hit', context.durationMs),
      tier: context.tier,
      ...this.#value(context.value),
    });
    return undefined;
  }

  /** Records a write. */
  onSet(context: SetContext): void {
    if (!this.#ops.has('set')) return;
    this.#emit({
      ...this.#base('set', context.key, 'ok', context.durationMs),
      bytes: context.bytes,
      ttlMs: context.ttlMs,
      tags: [...context.tags],
      ...this.#value(context.value),
    });
  }

  /** Records a deletion. */
  onDelete(context: { key: string; existed: boolean; durationMs: number }): void {
    if (!this.#ops.has('delete')) return;
    this.#emit({ ...this.#base('delete', context.key, 'ok', context.durationMs), existed: context.existed });
  }

  /** Records a miss. */
  onMiss(context: { key: string; durationMs: number }): void {
    if (!this.#ops.has('miss')) return;
    this.#emit(this.#base('miss', context.key, 'miss', context.durationMs));
  }

  /** Records an error (name and message only). */
  onError(context: { key: string; op: CacheOp; error: Error; durationMs?: number }): void {
    if (!this.#ops.has('error')) return;
    this.#emit({
      ...this.#base('error', context.key, 'error', context.durationMs ?? 0),
      failedOp: context.op,
      error: {
        name: context.error.name,
        message: String(context.error.message).replace(URL_CREDENTIALS, '$1:***@'),
      },
    });
  }

  #base(op: AuditOp, key: string, result: AuditRecord['result'], durationMs: number): AuditRecord {
    return { timestamp: new Date(this.#now()).toISOString(), op, key, result, durationMs };
  }

  #value(value: unknown): { value?: unknown } {
    return this.#includeValues ? { value } : {};
  }

  #emit(record: AuditRecord): void {
    this.#log(record);
  }
}
