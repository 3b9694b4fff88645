/**
 * The default serializer: JSON text encoded as UTF-8.
 *
 * @module
 */

import { TextDecoder, TextEncoder } from 'node:util';
import { SerializationError } from '../errors.js';
import type { Serializer } from './types.js';

/** Shared UTF-8 encoder (stateless, safe to share). */
export const utf8Encoder: TextEncoder = new TextEncoder();

/**
 * Shared UTF-8 decoder. `fatal` so that corrupted bytes are reported instead of silently
 * turning into U+FFFD (well-formed `JSON.stringify` output is always valid UTF-8).
 */
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * `JSON.stringify` with the failures turned into {@link SerializationError}s: top-level values
 * that have no JSON form (`undefined`, functions, symbols), BigInt and circular structures.
 *
 * @internal Used by the entry codec for its zero-copy encode path.
 * @throws {SerializationError} when the value has no JSON representation.
 */
export function toJsonText(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason = /circular/i.test(message) ? 'circular' : /bigint/i.test(message) ? 'bigint' : 'stringify';
    throw new SerializationError(`Value cannot be serialized to JSON (${reason}): ${message}`, {
      context: { reason, serializer: 'json' },
      cause: error,
    });
  }
  // JSON.stringify returns undefined for undefined, functions and symbols (and for objects
  // whose toJSON returns one of those).
  if (text === undefined) {
    throw new SerializationError(`Value of type ${typeof value} cannot be serialized to JSON`, {
      context: { reason: 'unsupported', type: typeof value, serializer: 'json' },
    });
  }
  return text;
}

/**
 * Parses UTF-8 JSON bytes.
 *
 * @throws {SerializationError} (`context.reason: 'deserialize'`) for invalid UTF-8 or JSON.
 */
function fromJsonBytes(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8Decoder.decode(bytes));
  } catch (error) {
    throw new SerializationError('Stored payload is not valid UTF-8 JSON', {
      context: { reason: 'deserialize', serializer: 'json', length: bytes.length },
      cause: error,
    });
  }
}

/**
 * JSON serializer (UTF-8). Follows `JSON.stringify` semantics: nested `undefined` / function /
 * symbol properties are dropped, `toJSON` is honoured (Dates become ISO strings), `NaN` and
 * `Infinity` become `null`.
 *
 * `serialize` throws a {@link SerializationError} for values without a JSON form: `undefined`,
 * functions or symbols at the top level, BigInt anywhere, circular structures.
 * `deserialize` throws a {@link SerializationError} for invalid UTF-8 or JSON.
 */
export const jsonSerializer: Serializer = Object.freeze({
  name: 'json',
  serialize(value: unknown): Uint8Array {
    return utf8Encoder.encode(toJsonText(value));
  },
  deserialize(bytes: Uint8Array): unknown {
    return fromJsonBytes(bytes);
  },
});
