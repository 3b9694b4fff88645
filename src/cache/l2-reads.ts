/**
 * The backend side of a read: fetching an entry from L2 (or the fallback) without ever
 * rejecting, decoding it and promoting a fresh one into L1, and rejecting (reporting and
 * deleting) an entry that is corrupt or not this key's.
 *
 * @module
 */
import type { CacheBackend } from '../backends/types.js';
import { entryFailure } from '../compression/envelope.js';
import type { EntryCodec } from '../compression/types.js';
import { l1Until } from './coherence.js';
import { backendFailed, failureScope, io, keyFailed } from './failover.js';
import { type L1Entry, l1Size } from './l1.js';
import { reportFor, type Scope } from './scope.js';
import type { LookupResult } from './types.js';

/** Reads `full` from the backend (or the fallback while degraded); never rejects. */
export function readL2(s: Scope, full: string): Promise<Uint8Array | undefined> {
  const core = s.core;
  // The hot read path calls the backend directly (no #io closures).
  if (core.degraded) {
    return io(
      s,
      'get',
      full,
      (b) => b.get(full),
      () => undefined,
    );
  }
  return (core.backend as CacheBackend).get(full).catch((error: unknown) => {
    if (failureScope(error) === 'key') {
      keyFailed(s, 'get', full, error, true);
      return undefined;
    }
    backendFailed(s, 'get', full, error);
    if (!core.fallback) return undefined;
    return io(
      s,
      'get',
      full,
      (b) => b.get(full),
      () => undefined,
    );
  });
}

/** Decodes bytes from L2; promotes fresh entries into L1. Corrupt entries are deleted and reported. */
export function acceptL2(
  s: Scope,
  full: string,
  bytes: Uint8Array | undefined,
  t: number,
  promote = true,
  allowStale = false,
): LookupResult<unknown> | undefined {
  const core = s.core;
  if (bytes === undefined) {
    core.counters.l2Misses++;
    return undefined;
  }
  let decoded: ReturnType<EntryCodec['decode']>;
  try {
    decoded = core.codec.decode(bytes, full);
  } catch (error) {
    core.counters.l2Misses++;
    rejectEntry(s, full, error);
    return undefined;
  }
  const stale = t >= decoded.freshUntil;
  if (stale && (!allowStale || t >= decoded.staleUntil)) {
    core.counters.l2Misses++;
    return undefined;
  }
  if (stale) {
    core.counters.l2Misses++;
  } else {
    core.counters.l2Hits++;
    core.counters.hits++;
  }
  let value = decoded.value;
  if (core.l1 && promote) {
    value = core.l1.prepare(value);
    const entry: L1Entry = {
      value,
      createdAt: decoded.createdAt,
      freshUntil: decoded.freshUntil,
      staleUntil: decoded.staleUntil,
      size: l1Size(full, decoded.rawBytes),
    };
    if (decoded.tags) entry.tags = decoded.tags;
    core.l1.capEntry(entry, l1Until(core, t));
    if (core.l1.set(full, entry, t)) {
      // The caller must not receive the object L1 holds unless protection allows it.
      value = core.l1.read(value);
    }
  }
  const result: LookupResult<unknown> = {
    value,
    tier: 'l2',
    bytes: decoded.bytes,
    createdAt: decoded.createdAt,
    freshUntil: decoded.freshUntil,
    staleUntil: decoded.staleUntil,
    stale,
  };
  if (decoded.tags) result.tags = decoded.tags;
  return result;
}

/**
 * Never served: a corrupt entry, or one that is not this key's (another key's, another
 * format), is a miss, an `error` event (`corrupt-entry` / `foreign-entry`) and a delete.
 */
export function rejectEntry(s: Scope, full: string, error: unknown): void {
  reportFor(s, 'decode', full, error, { reason: entryFailure(error) });
  void io(
    s,
    'delete',
    full,
    (b) => b.delete(full),
    () => false,
  );
}
