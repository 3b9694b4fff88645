/**
 * The AI SDK's results and stream parts as JSON data, and back: what the cache stores.
 *
 * Only two kinds of value in a result are not JSON: the response `timestamp` (a `Date`, restored
 * as one) and file `data` (`Uint8Array`, stored as the base64 string the specification accepts
 * in its place). `undefined` members are dropped, functions and symbols too.
 *
 * @module
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/**
 * `value` as JSON data: `Date` -> ISO string, `Uint8Array` -> base64, `URL` -> its href,
 * `undefined` / functions / symbols dropped, non-finite numbers -> `null`.
 */
export function toJson(value: unknown): Json | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'object':
      return value === null ? null : objectToJson(value);
    default:
      return undefined;
  }
}

function objectToJson(value: object): Json {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  if (value instanceof URL) return value.href;
  if (Array.isArray(value)) return value.map((item) => toJson(item) ?? null);
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const json = toJson(item);
    if (json !== undefined) out[key] = json;
  }
  return out;
}

/** A stored object with its `timestamp` (an ISO string) made a `Date` again, when it has one. */
export function reviveTimestamp<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  const timestamp = (value as { timestamp?: unknown }).timestamp;
  if (typeof timestamp !== 'string') return value;
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? value : { ...value, timestamp: date };
}

/** Whether `value` is a non-null, non-array object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
