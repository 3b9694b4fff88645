/**
 * Deterministic JSON for hashing: the same logical value always gives the same string.
 *
 * @module
 */

import { ValidationError } from '../errors.js';

/**
 * Serializes `value` to deterministic JSON, for deriving cache keys and hashes.
 *
 * Differences from `JSON.stringify`:
 * - object keys are sorted (recursively, by UTF-16 code units), so key order does not matter;
 * - `Uint8Array` / `Buffer` / `ArrayBuffer` are encoded by content as `{"$bytes":"<base64>"}`
 *   (not `Buffer#toJSON`), so binary inputs are keyed by their bytes;
 * - BigInt becomes `{"$bigint":"<decimal>"}` instead of throwing;
 * - `Map` becomes `{"$map":[[k,v],...]}` and `Set` `{"$set":[...]}`, entries sorted by their
 *   serialization (JSON would turn both into `{}`);
 * - an object key that starts with `$` is written with one more `$` (`"$ref"` -> `"$$ref"`), so
 *   no plain object can produce the markers above: different values never share a string;
 * - a top-level `undefined`, function or symbol gives `'null'` (instead of `undefined`).
 *
 * Like `JSON.stringify`: `toJSON` is honoured (Dates become ISO strings), `undefined` /
 * function / symbol properties are dropped and become `null` in arrays, non-finite numbers
 * become `null`, `-0` becomes `0`, boxed primitives are unboxed, symbol keys and
 * non-enumerable properties are ignored.
 *
 * @throws {ValidationError} for circular structures.
 */
export function stableStringify(value: unknown): string {
  return write(value, '', []) ?? 'null';
}

/** Serializes one value; `undefined` means "omit" (undefined, function, symbol). */
function write(value: unknown, key: string, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `{"$bigint":"${value.toString()}"}`;
    case 'object':
      return value === null ? 'null' : writeObject(value, key, ancestors);
    default:
      // undefined, function, symbol
      return undefined;
  }
}

function writeObject(value: object, key: string, ancestors: object[]): string | undefined {
  if (value instanceof Uint8Array) {
    return `{"$bytes":"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"}`;
  }
  if (value instanceof ArrayBuffer) return `{"$bytes":"${Buffer.from(value).toString('base64')}"}`;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    // As in JSON: the result of toJSON is serialized, without calling its own toJSON again.
    const replaced: unknown = toJSON.call(value, key);
    if (typeof replaced !== 'object' || replaced === null) return write(replaced, key, ancestors);
    return writeStructure(replaced, ancestors);
  }
  return writeStructure(value, ancestors);
}

function writeStructure(value: object, ancestors: object[]): string | undefined {
  if (
    value instanceof Number ||
    value instanceof String ||
    value instanceof Boolean ||
    value instanceof BigInt
  ) {
    return write(value.valueOf(), '', ancestors);
  }
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return writeObject(value, '', ancestors);
  if (ancestors.includes(value)) {
    throw new ValidationError('Cannot serialize a circular structure', [
      { path: '', message: 'value contains a circular reference' },
    ]);
  }
  ancestors.push(value);
  try {
    if (Array.isArray(value)) return writeArray(value, ancestors);
    if (value instanceof Map) return writeMap(value, ancestors);
    if (value instanceof Set) return writeSet(value, ancestors);
    return writePlain(value as Record<string, unknown>, ancestors);
  } finally {
    ancestors.pop();
  }
}

function writeArray(value: readonly unknown[], ancestors: object[]): string {
  let out = '[';
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ',';
    out += write(value[i], String(i), ancestors) ?? 'null';
  }
  return `${out}]`;
}

function writePlain(value: Record<string, unknown>, ancestors: object[]): string {
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = write(value[k], k, ancestors);
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k.charCodeAt(0) === 0x24 /* $ */ ? `$${k}` : k)}:${v}`;
    first = false;
  }
  return `${out}}`;
}

function writeMap(value: Map<unknown, unknown>, ancestors: object[]): string {
  const entries: string[] = [];
  for (const [k, v] of value) {
    entries.push(`[${write(k, '', ancestors) ?? 'null'},${write(v, '', ancestors) ?? 'null'}]`);
  }
  return `{"$map":[${entries.sort().join(',')}]}`;
}

function writeSet(value: Set<unknown>, ancestors: object[]): string {
  const items: string[] = [];
  for (const item of value) items.push(write(item, '', ancestors) ?? 'null');
  return `{"$set":[${items.sort().join(',')}]}`;
}
