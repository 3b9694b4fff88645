/**
 * The stored entries of a prefix, filtered by AI operation and namespace (SCAN through the
 * backend, so its `keyPrefix` is honoured), with progress on stderr for long scans.
 *
 * @module
 */
import type { RedisBackend } from '../../backends/redis.js';
import { aiOperationOfKey, namespaceOfKey } from '../../observability/labels.js';
import type { Output } from '../output.js';

/** Filters of {@link scanEntries}. */
export interface ScanFilter {
  /** AI operation of the entry (`prefix:…:ai:{operation}:…`). */
  operation?: string | undefined;
  /** Namespace path of the entry (`tenant`, `ns1/ns2`, `default`: see `namespaceOfKey`). */
  namespace?: string | undefined;
  /** A progress line on stderr every this many scanned keys. @default 10000 */
  progressEvery?: number;
}

/** The AI operation of a stored key (the text part may be verbatim: only the segments before it are read). */
function operationOfStored(key: string): string | undefined {
  const shown = aiOperationOfKey(key);
  if (shown !== undefined) return shown;
  const segments = key.split(':');
  const ai = segments.indexOf('ai');
  return ai >= 1 ? segments[ai + 1] : undefined;
}

/** Whether a key is an entry (not the stats hash, a lock, or a tag stamp). */
function isEntry(key: string, prefix: string): boolean {
  const rest = key.slice(prefix.length + 1);
  return (
    !rest.startsWith('#') &&
    !rest.startsWith('lock:') &&
    (key.includes('::') || key.includes(':#') || key.includes(':ai:'))
  );
}

/** Yields the matching keys of `prefix` and counts the scanned ones in `counter.scanned`. */
export async function* scanEntries(
  backend: RedisBackend,
  prefix: string,
  filter: ScanFilter,
  out: Output,
  counter: { scanned: number },
): AsyncGenerator<string> {
  const every = filter.progressEvery ?? 10_000;
  for await (const key of backend.keys(`${prefix}:`)) {
    counter.scanned++;
    if (counter.scanned % every === 0) out.note(`scanned ${counter.scanned} keys…`);
    if (!isEntry(key, prefix)) continue;
    if (filter.operation !== undefined && operationOfStored(key) !== filter.operation) continue;
    if (filter.namespace !== undefined && namespaceOfKey(key) !== filter.namespace) continue;
    yield key;
  }
}
