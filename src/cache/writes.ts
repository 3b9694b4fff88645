/**
 * The write path: encoding an entry, storing it in L1 and in the backend, deleting, clearing a
 * namespace, and the `set` / `delete` / `clear` events, the callbacks and the bus announcements
 * that follow. A value that cannot be cached is a ValidationError before anything is written;
 * a backend failure is an `error` event, never a rejection.
 *
 * @module
 */
import type { EncodedEntry, EntryMeta } from '../compression/types.js';
import { toError, ValidationError } from '../errors.js';
import type { KeyBuilder } from '../keys/key-builder.js';
import type { Budget } from './budget.js';
import { l1Until } from './coherence.js';
import { type Core, now } from './core.js';
import { isDisabled } from './disabling.js';
import type { CacheOp } from './events.js';
import { io } from './failover.js';
import { announce } from './invalidation.js';
import { type L1Entry, l1Size } from './l1.js';
import { emitFor, invoke, type Scope, shown } from './scope.js';
import { validateTags } from './tags.js';
import { parseTtl, type Ttl } from './ttl.js';
import type { SetOptions, SetResult } from './types.js';

/**
 * Encodes and writes; returns what was stored and, with `wantStored`, the value as held in L1
 * (the decoded copy; else `stored` is `undefined` unless callbacks needed it).
 */
export async function setFull(
  s: Scope,
  full: string,
  value: unknown,
  options: SetOptions,
  op: CacheOp = 'set',
  budget?: Budget,
  wantStored = false,
): Promise<{ stored: unknown; result: SetResult }> {
  const core = s.core;
  const startedAt = now();
  if (value === undefined) {
    throw new ValidationError('Cannot cache undefined', [
      { path: 'value', message: 'undefined is not a cacheable value (use null to cache "nothing")' },
    ]);
  }
  const ttlMs = ttlMsOf(s.core, options.ttl);
  if (isDisabled('set')) {
    return { stored: value, result: { key: full, bytes: 0, serializedBytes: 0, compressed: false } };
  }
  const graceMs =
    options.grace === undefined || options.grace === false ? 0 : parseTtl(options.grace, 'grace');
  const tags = options.tags === undefined ? undefined : validateTags(options.tags);
  const t = core.now();
  const meta: EntryMeta = { createdAt: t, freshUntil: t + ttlMs, staleUntil: t + ttlMs + graceMs };
  if (tags) meta.tags = tags;
  let encoded: EncodedEntry;
  // Large payloads are compressed on a worker thread, so concurrent writes do not queue behind
  // each other's compression on the event loop; but then a later write of the same key may be
  // encoded first. The latest call wins: a write that a later set, delete or clear of its key
  // superseded while it was being encoded writes nothing (see supersede()).
  const turn = {};
  core.writing.set(full, turn);
  try {
    encoded = await core.codec.encodeAsync(value, meta, full);
  } catch (error) {
    if (core.writing.get(full) === turn) core.writing.delete(full);
    throw new ValidationError(
      'Value cannot be serialized',
      [{ path: 'value', message: toError(error).message }],
      { cause: error, context: { key: shown(s, full) } },
    );
  }
  const size = encoded.bytes.byteLength;
  const current = core.writing.get(full) === turn;
  if (current) core.writing.delete(full);
  // The decoded copy (what L1 holds and what a getOrSet caller receives) is made only when
  // something needs it now; a plain `set` into L1 defers it to the first read of the entry.
  // A compressed entry decodes from its envelope (its serialized bytes may never have been
  // made: see EntryCodec.encodeAsync), a raw one from its payload.
  const bytes = encoded.bytes;
  const decodeCopy = copyDecoder(core, encoded, full);
  const needStored = wantStored || core.callbacks.length > 0;
  let stored: unknown;
  if (!current) {
    if (needStored) stored = decodeCopy();
  } else if (core.l1 && options.l1 !== false) {
    const entry: L1Entry = {
      value: undefined,
      createdAt: t,
      freshUntil: meta.freshUntil,
      staleUntil: meta.staleUntil,
      size: l1Size(full, encoded.rawBytes),
    };
    if (needStored || !core.deferL1Decode) {
      stored = core.l1.prepare(decodeCopy());
      entry.value = stored;
    } else {
      entry.decode = decodeCopy;
    }
    if (tags) entry.tags = tags;
    core.l1.capEntry(entry, l1Until(core, t));
    core.l1.set(full, entry, t);
  } else {
    core.l1?.delete(full);
    if (needStored || !core.deferL1Decode) stored = decodeCopy();
  }
  if (core.backend && current) {
    const writing = io(
      s,
      'set',
      full,
      (b) => b.set(full, bytes, meta.staleUntil - t),
      () => undefined,
    );
    // Past the budget the write finishes in the background (#io reports its failure).
    await (budget ? budget.bound(writing) : writing);
  }
  if (current) announce(s.core, { type: 'delete', keys: [full] });
  core.counters.sets++;
  if (core.emitter.listening('set')) {
    emitFor(s, 'set', op, full, core.backend ? 'l2' : 'l1', { bytes: size, durationMs: now() - startedAt });
  }
  if (core.callbacks.length) {
    invoke(s, 'onSet', full, {
      key: shown(s, full),
      value: stored,
      ttlMs,
      bytes: size,
      tags: tags ?? [],
      durationMs: now() - startedAt,
    });
  }
  return {
    stored,
    result: {
      key: full,
      bytes: size,
      serializedBytes: encoded.rawBytes,
      compressed: encoded.compressed,
    },
  };
}

/**
 * How to decode the copy of a written entry. Its own function so that the closure holds only
 * what it needs (a closure keeps its whole scope: one made inside setFull would keep the
 * entry's JSON text alive in L1 through `encoded`).
 */
function copyDecoder(core: Core, encoded: EncodedEntry, full: string): () => unknown {
  const codec = core.codec;
  if (encoded.compressed) {
    const bytes = encoded.bytes;
    return () => codec.decode(bytes, full).value;
  }
  const serialized = encoded.serialized;
  return () => codec.deserialize(serialized);
}

/** Makes the writes of `full` still being encoded write nothing (a later operation wins). */
function supersede(core: Core, full: string): void {
  if (core.writing.size > 0) core.writing.delete(full);
}

export async function deleteFull(s: Scope, full: string): Promise<boolean> {
  const core = s.core;
  const startedAt = now();
  supersede(core, full);
  let existed = core.l1?.delete(full) ?? false;
  if (core.backend) {
    existed =
      (await io(
        s,
        'delete',
        full,
        (b) => b.delete(full),
        () => false,
      )) || existed;
  }
  announce(s.core, { type: 'delete', keys: [full] });
  core.counters.deletes++;
  if (core.emitter.listening('delete')) {
    emitFor(s, 'delete', 'delete', full, core.backend ? 'l2' : 'l1', { durationMs: now() - startedAt });
  }
  if (core.callbacks.length)
    invoke(s, 'onDelete', full, { key: shown(s, full), existed, durationMs: now() - startedAt });
  return existed;
}

/** `ttl` in milliseconds, or the cache's default TTL when omitted. */
export function ttlMsOf(core: Core, ttl: Ttl | undefined): number {
  return ttl === undefined ? core.defaultTtlMs : parseTtl(ttl);
}

/** Removes every entry of the scope's namespace (the whole prefix at the root) in both tiers and the fallback. */
export async function clearScope(s: Scope, kb: KeyBuilder): Promise<void> {
  const core = s.core;
  const prefix = kb.prefixFor();
  const start = now();
  for (const key of [...core.writing.keys()]) if (key.startsWith(prefix)) core.writing.delete(key);
  core.l1?.clear(prefix);
  if (core.backend) {
    await io(
      s,
      'clear',
      prefix,
      (b) => b.clear(prefix),
      () => undefined,
    );
    // Whatever the fallback holds for this namespace is gone too.
    if (core.fallback && !core.degraded) await core.fallback.clear(prefix).catch(() => {});
  }
  announce(core, { type: 'clear', prefix });
  if (core.emitter.listening('clear')) {
    core.emitter.emit({ type: 'clear', op: 'clear', key: prefix, tier: 'none', durationMs: now() - start });
  }
}
