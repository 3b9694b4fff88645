/**
 * Bounded, key-free labels of the cache's events, shared by the metrics exports (Prometheus,
 * OpenTelemetry) and the fleet statistics: the namespace path and the AI operation of a key as
 * events show it, and a cap on the distinct values of one label.
 *
 * @module
 */

/**
 * The namespace path of a full key as events show it (`prefix:ns1:ns2::key`,
 * `prefix:@tenant:ai:{operation}:#<hash>`): the segments between the prefix and the key, up to
 * an `ai` segment, `@` dropped, joined by `/`; `default` for none. The key itself is never read.
 */
export function namespaceOfKey(key: string): string {
  const ends = [key.indexOf('::'), key.indexOf(':#')].filter((i) => i >= 0);
  if (ends.length === 0) return 'default';
  const segments = key
    .slice(0, Math.min(...ends))
    .split(':')
    .slice(1);
  const ai = segments.indexOf('ai');
  const path = (ai >= 0 ? segments.slice(0, ai) : segments).map((s) => (s.startsWith('@') ? s.slice(1) : s));
  const shown = path.filter((s) => s !== '').join('/');
  return shown === '' ? 'default' : shown;
}

/** The AI operation of an answer's key as events show it (`prefix:…:ai:{operation}:#<hash>`), or `undefined`. */
export function aiOperationOfKey(key: string): string | undefined {
  const hashed = key.lastIndexOf(':#');
  if (hashed < 0) return undefined;
  const segments = key.slice(0, hashed).split(':');
  const ai = segments.lastIndexOf('ai');
  return ai >= 1 && ai === segments.length - 2 ? segments[ai + 1] : undefined;
}

/** Bounds the values of one label: past `max` distinct values, later ones become `other`. */
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
