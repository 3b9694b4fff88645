/**
 * Bounded, key-free attribute values of the OpenTelemetry instrumentation (the same rules as the
 * Prometheus collector's labels, so both exports slice the traffic alike). `namespaceOfKey` and
 * `aiOperationOfKey` are the core's (shared with `shareStats`).
 *
 * @module
 */

export { aiOperationOfKey, namespaceOfKey } from '../../index.js';

/**
 * The key of an event when it is in the hashed form events give for answers
 * (`prefix:…:ai:{operation}:#<hex>`, `prefix:ns:#:<hex>`), else `undefined`: a generic key in
 * clear is never exported.
 */
export function hashedKey(key: string): string | undefined {
  return /:#:?[0-9a-f]{8,}$/.test(key) ? key : undefined;
}

/** Bounds the values of one attribute: past `max` distinct values, later ones become `other`. */
export class LabelCap {
  readonly #seen = new Set<string>();
  /** @param max - distinct values kept. */
  constructor(readonly max: number) {}
  /** `v` while fewer than `max` values were seen (or `v` is one of them), else `'other'`. */
  value(v: string): string {
    if (this.#seen.has(v)) return v;
    if (this.#seen.size >= this.max) return 'other';
    this.#seen.add(v);
    return v;
  }
}
