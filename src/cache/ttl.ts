/**
 * TTL parsing: numbers are milliseconds, strings carry a unit (`'500ms'`, `'30s'`, `'5m'`,
 * `'2h'`, `'1d'`, `'1.5h'`; several parts may be combined: `'1h30m'`). Every TTL is a finite
 * positive duration of at most {@link MAX_TTL_MS} (10 years).
 *
 * @module
 */
import { ValidationError } from '../errors.js';

/** A time to live: milliseconds, or a string with a unit such as `'30s'`, `'5m'`, `'2h'`, `'1d'`. */
export type Ttl = number | string;

/**
 * The longest TTL accepted anywhere (entries, grace windows, L1, tag stamps, AI operation TTLs):
 * 10 years of 365 days, 315,360,000,000 ms. Far below what Redis accepts for `PX` (a 64-bit
 * millisecond expiry), so a TTL that passes validation is always storable: a longer one is a
 * `ValidationError` at the call instead of a write that Redis refuses while the entry lives on
 * in L1 only.
 */
export const MAX_TTL_MS = 10 * 365 * 86_400_000;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gy;

/** How a rejected TTL is shown in messages: numbers as written by `String` (`NaN`, `Infinity`, `1e+21`), strings quoted. */
function describeTtl(ttl: unknown): string {
  if (typeof ttl === 'number') return String(ttl);
  if (typeof ttl === 'string') return JSON.stringify(ttl.length > 64 ? `${ttl.slice(0, 64)}…` : ttl);
  if (ttl === null) return 'null';
  return typeof ttl === 'object' ? (Array.isArray(ttl) ? 'an array' : 'an object') : `a ${typeof ttl}`;
}

/**
 * Why `ttl` is not a valid TTL (a sentence naming the value given), or `undefined` when it is.
 *
 * @example ttlProblem(1e20) // 'is 100000000000000000000 ms, above the maximum of 315360000000 ms (10 years)'
 */
export function ttlProblem(ttl: unknown): string | undefined {
  const given = describeTtl(ttl);
  const expected = `expected a positive number of milliseconds or a duration such as '500ms', '30s', '5m', '2h', '1d' (got ${given})`;
  if (typeof ttl === 'number') {
    if (Number.isNaN(ttl)) return `is NaN; ${expected}`;
    if (!Number.isFinite(ttl)) return `is ${given}, not a finite duration; ${expected}`;
    if (ttl <= 0) return `is ${given}, not a positive duration; ${expected}`;
  } else if (typeof ttl !== 'string') {
    return expected;
  }
  const ms = parseUnbounded(ttl);
  if (ms === undefined) return expected;
  if (ms > MAX_TTL_MS) {
    const amount = typeof ttl === 'number' ? `${given} ms` : `${given} (${ms} ms)`;
    return `is ${amount}, above the maximum of ${MAX_TTL_MS} ms (10 years)`;
  }
  return undefined;
}

/**
 * Parses a {@link Ttl} into milliseconds.
 *
 * @param field - the option name reported in the error (e.g. `'ttl'`, `'operationTtls.qa'`).
 * @throws {ValidationError} when the value is not a finite positive duration of at most
 *   {@link MAX_TTL_MS}; the message says what was given (`NaN`, `Infinity`, `-5`, `100000000000000000000`, ...).
 * @example parseTtl('1h30m') // 5_400_000
 */
export function parseTtl(ttl: Ttl, field = 'ttl'): number {
  const ms = tryParseTtl(ttl);
  if (ms === undefined) {
    const problem = ttlProblem(ttl) ?? 'is not a valid TTL';
    throw new ValidationError(`Invalid TTL ${describeTtl(ttl)}`, [{ path: field, message: problem }]);
  }
  return ms;
}

/** Like {@link parseTtl} but returns `undefined` instead of throwing (also above {@link MAX_TTL_MS}). */
export function tryParseTtl(ttl: unknown): number | undefined {
  const ms = parseUnbounded(ttl);
  return ms === undefined || ms > MAX_TTL_MS ? undefined : ms;
}

function parseUnbounded(ttl: unknown): number | undefined {
  if (typeof ttl === 'number') return Number.isFinite(ttl) && ttl > 0 ? ttl : undefined;
  if (typeof ttl !== 'string') return undefined;
  const text = ttl.trim().toLowerCase();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return parseUnbounded(Number(text));
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
