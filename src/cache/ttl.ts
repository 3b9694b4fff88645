/**
 * TTL parsing: numbers are milliseconds, strings carry a unit (`'500ms'`, `'30s'`, `'5m'`,
 * `'2h'`, `'1d'`, `'1.5h'`; several parts may be combined: `'1h30m'`).
 *
 * @module
 */
import { ValidationError } from '../errors.js';

/** A time to live: milliseconds, or a string with a unit such as `'30s'`, `'5m'`, `'2h'`, `'1d'`. */
export type Ttl = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gy;

/**
 * Parses a {@link Ttl} into milliseconds.
 *
 * @throws {ValidationError} when the value is not a finite positive duration.
 * @example parseTtl('1h30m') // 5_400_000
 */
export function parseTtl(ttl: Ttl, field = 'ttl'): number {
  const ms = tryParseTtl(ttl);
  if (ms === undefined) {
    throw new ValidationError(`Invalid TTL ${JSON.stringify(ttl)}`, [
      {
        path: field,
        message: `expected a positive number of milliseconds or a duration such as '500ms', '30s', '5m', '2h', '1d' (got ${JSON.stringify(ttl)})`,
      },
    ]);
  }
  return ms;
}

/** Like {@link parseTtl} but returns `undefined` instead of throwing. */
export function tryParseTtl(ttl: unknown): number | undefined {
  if (typeof ttl === 'number') return Number.isFinite(ttl) && ttl > 0 ? ttl : undefined;
  if (typeof ttl !== 'string') return undefined;
  const text = ttl.trim().toLowerCase();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return tryParseTtl(Number(text));
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(text); match; match = PART.exec(text)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    consumed = PART.lastIndex;
    while (text[consumed] === ' ') consumed++;
    PART.lastIndex = consumed;
  }
  if (consumed !== text.length || total <= 0 || !Number.isFinite(total)) return undefined;
  return total;
}
