/**
 * Bounded, key-free attribute values of the OpenTelemetry instrumentation (the same rules as the
 * Prometheus collector's labels, so both exports slice the traffic alike). `namespaceOfKey` and
 * `aiOperationOfKey` and `LabelCap` are the core's (shared with `shareStats`).
 *
 * @module
 */

export { aiOperationOfKey, LabelCap, namespaceOfKey } from '../../index.js';

/**
 * The key of an event when it is in the hashed form events give for answers
 * (`prefix:…:ai:{operation}:#<hex>`, `prefix:ns:#:<hex>`), else `undefined`: a generic key in
 * clear is never exported.
 */
export function hashedKey(key: string): string | undefined {
  return /:#:?[0-9a-f]{8,}$/.test(key) ? key : undefined;
}
