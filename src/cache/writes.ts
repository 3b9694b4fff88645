/**
 * The write path: encoding an entry, storing it in L1 and in the backend, deleting, clearing a
 * namespace, and the `set` / `delete` / `clear` events, the callbacks and the bus announcements
 * that follow. A value that cannot be cached is a ValidationError before anything is written;
 * a backend failure is an `error` event, never a rejection.
 *
 * @module
 */
import type { EntryCodec, EntryMeta } from '../compression/types.js';
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

/** Encodes and writes; returns what was stored and the value as held in L1 (decoded copy). */
export async function setFull(
  s: Scope,
  full: string,
  value: unknown,
  options: SetOptions,
  op: CacheOp = 'set',
  budget?: Budget,
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
  let encoded: ReturnType<EntryCodec['encode']>;
  try {
    encoded = core.codec.encode(value, meta, full);
  } catch (error) {
    throw new ValidationError(
      'Value cannot be serialized',
      [{ path: 'value', message: toError(error).message }],
      { cause: error, context: { key: shown(s, full) } },
    );
  }
  const size = encoded.bytes.byteLength;
  let stored: unknown;
  if (core.l1 && options.l1 !== false) {
    stored = core.l1.prepare(core.codec.deserialize(encoded.serialized));
    const entry: L1Entry = {
      value: stored,
      createdAt: t,
      freshUntil: meta.freshUntil,
      staleUntil: meta.staleUntil,
      size: l1Size(full, encoded.serialized.byteLength),
    };
    if (tags) entry.tags = tags;
    core.l1.capEntry(entry, l1Until(core, t));
    core.l1.set(full, entry, t);
  } else {
    core.l1?.delete(full);
    stored = core.codec.deserialize(encoded.serialized);
  }
  if (core.backend) {
    const writing = io(
      s,
      'set',
      full,
      (b) => b.set(full, encoded.bytes, meta.staleUntil - t),
      () => undefined,
    );
    // Past the budget the write finishes in the background (#io reports its failure).
    await (budget ? budget.bound(writing) : writing);
  }
  announce(s.core, { type: 'delete', keys: [full] });
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
      serializedBytes: encoded.serialized.byteLength,
      compressed: encoded.compressed,
    },
  };
}

export async function deleteFull(s: Scope, full: string): Promise<boolean> {
  const core = s.core;
  const startedAt = now();
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
