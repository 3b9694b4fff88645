/**
 * The state of one namespace of a cache (the root cache is the namespace `[]`): its key builder,
 * how it shows its keys outside (`describeKey`), the tag scopes that apply to it, and the event,
 * callback and error reporting that shows keys that way. Every operation module takes a
 * {@link Scope}; `scope.core` is the state all namespaces of one cache share.
 *
 * @module
 */
import { toError } from '../errors.js';
import { getHasher, type Hasher } from '../keys/hash.js';
import { escapeKeyPart, KeyBuilder } from '../keys/key-builder.js';
import { startBusOnFirstUse } from './coherence.js';
import type { Core } from './core.js';
import { emitEvent, redactKeyInError, reportError } from './dispatch.js';
import type { CacheCallbacks, CacheEvent, CacheEventName, CacheOp, CacheTier } from './events.js';

/** One namespace's view of a cache. */
export interface Scope {
  readonly core: Core;
  /** The namespaces of this scope, outermost first (`[]` for the root). */
  readonly namespaces: readonly string[];
  /** How full keys of this namespace appear in events, callbacks and errors (`describeKey`). */
  readonly describe: ((fullKey: string) => string) | undefined;
  /** Tag stamp scopes that apply to this namespace, outermost (the root, `''`) first, its own last. */
  readonly tagScopes: readonly string[];
  /** Set once the hash function is loaded (see {@link keyBuilder}). */
  keys: KeyBuilder | undefined;
}

/** The scope of `namespaces` over `core` (key builder made at once when the hasher is loaded). */
export function createScope(
  core: Core,
  namespaces: readonly string[],
  describe?: (fullKey: string) => string,
): Scope {
  const tagScopes = [''];
  for (let i = 1; i <= namespaces.length; i++)
    tagScopes.push(namespaces.slice(0, i).map(escapeKeyPart).join(':'));
  const scope: Scope = { core, namespaces, describe, tagScopes, keys: undefined };
  if (core.hasher) scope.keys = makeKeyBuilder(scope, core.hasher);
  return scope;
}

function makeKeyBuilder(s: Scope, hasher: Hasher): KeyBuilder {
  return new KeyBuilder({
    prefix: s.core.prefix,
    namespace: [...s.namespaces],
    maxKeyLength: s.core.maxKeyLength,
    hasher,
  });
}

/**
 * The scope's key builder, loading the hash function (and the codec's checksum) on first use;
 * the first use of the cache also starts its invalidation bus. Hot paths read `s.keys` first.
 */
export async function keyBuilder(s: Scope): Promise<KeyBuilder> {
  if (s.keys) return s.keys;
  const core = s.core;
  startBusOnFirstUse(core, (error) => reportFor(s, 'connect', '', error, { reason: 'bus' }));
  if (!core.hasher) {
    // The codec's checksums need xxhash loaded too (whatever the key hash algorithm).
    core.ready ??= Promise.all([getHasher(core.hashAlgorithm), core.codec.ready()]).then(([h]) => h);
    core.hasher = await core.ready;
  }
  s.keys ??= makeKeyBuilder(s, core.hasher);
  return s.keys;
}

/** `full` as events, callbacks and errors show it (the namespace's `describeKey`, or itself). */
export function shown(s: Scope, full: string): string {
  return s.describe === undefined || full === '' ? full : s.describe(full);
}

/** Emits one event with the key (and any key inside its error) as this namespace shows it. */
export function emitFor(
  s: Scope,
  type: CacheEventName,
  op: CacheOp,
  key: string,
  tier: CacheTier,
  extra: Partial<CacheEvent> = {},
): void {
  if (s.describe !== undefined && key !== '' && type !== 'clear') {
    // The namespace's own form of the key (e.g. hashed, for keys that carry prompt text).
    const shownKey = shown(s, key);
    const error = extra.error ? redactKeyInError(extra.error, key, shownKey) : undefined;
    emitEvent(s.core, type, op, shownKey, tier, error ? { ...extra, error } : extra);
    return;
  }
  emitEvent(s.core, type, op, key, tier, extra);
}

/** Counts an error; the `error` event and `onError` callbacks are rate-limited per kind. */
export function reportFor(
  s: Scope,
  op: CacheOp,
  key: string,
  error: unknown,
  detail?: Record<string, unknown>,
): void {
  // Rate-limited delivery happens in the core: hand it the key as this namespace shows it.
  const shownKey = shown(s, key);
  const err = toError(error);
  reportError(s.core, op, shownKey, shownKey === key ? err : redactKeyInError(err, key, shownKey), detail);
}

/**
 * Calls the `name` callback of every registered callbacks object with `context`; one that
 * throws or rejects is reported as an `error` (op `'callback'`) and does not stop the others.
 */
export function invoke<K extends 'onMiss' | 'onSet' | 'onDelete'>(
  s: Scope,
  name: K,
  full: string,
  context: Parameters<NonNullable<CacheCallbacks[K]>>[0],
): void {
  for (const callbacks of [...s.core.callbacks]) {
    const fn = callbacks[name] as ((ctx: typeof context) => void | Promise<void>) | undefined;
    if (!fn) continue;
    try {
      const result = fn.call(callbacks, context);
      if (result && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).catch((error: unknown) =>
          reportFor(s, 'callback', full, error, { callback: name }),
        );
      }
    } catch (error) {
      reportFor(s, 'callback', full, error, { callback: name });
    }
  }
}
