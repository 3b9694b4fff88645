/**
 * Rejecting unknown option keys at runtime (plain JavaScript has no compiler to catch
 * `{ tll: 5 }`), with the same "did you mean" hint the configuration schema gives: the one
 * implementation of {@link suggestKey} and {@link unknownOptionMessage}, used by the generic
 * cache here and by the configuration's `parseConfig` / builder.
 *
 * @module
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { L1Options } from './l1.js';
import type {
  CacheOptions,
  GetOrSetOptions,
  LookupOptions,
  NamespaceOptions,
  SetOptions,
  WrapOptions,
} from './types.js';

/** Levenshtein edit distance. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known key closest to `key`: a case-insensitive match, else the nearest key within
 * Levenshtein distance 3 (and shorter than `key` itself, so that tiny keys match nothing).
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const exact = known.find((candidate) => candidate.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = levenshtein(lower, candidate.toLowerCase());
    if (distance <= 3 && distance < key.length && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `unknown option 'tll' (did you mean 'ttl'?)`: the message of one unknown key. */
export function unknownOptionMessage(key: string, known: readonly string[]): string {
  const suggestion = suggestKey(key, known);
  return `unknown option '${key}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`;
}

/** The known keys of an options object, checked by the compiler against its interface. */
export type KeysOf<T> = Record<keyof Required<T>, true>;

/** The keys of `keys` (frozen): `keyList<SetOptions>({ ttl: true, ... })` fails to compile when one is missing. */
export function keyList<T>(keys: KeysOf<T>): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/** Keys of {@link CacheOptions}. */
export const CACHE_OPTION_KEYS = keyList<CacheOptions>({
  prefix: true,
  namespace: true,
  ttl: true,
  l1: true,
  backend: true,
  compression: true,
  serializer: true,
  hashAlgorithm: true,
  maxKeyLength: true,
  now: true,
  fallback: true,
  fallbackWarning: true,
  retryPrimaryAfterMs: true,
  failOnConnectionError: true,
  lock: true,
  bus: true,
  tagStampTtl: true,
  budget: true,
  errorEvents: true,
  owns: true,
});

/** Keys of {@link L1Options}. */
export const L1_OPTION_KEYS = keyList<L1Options>({
  maxEntries: true,
  maxBytes: true,
  maxEntryBytes: true,
  ttl: true,
  protection: true,
  maxStaleness: true,
});

/** Keys of {@link CacheOptions.compression}. */
export const COMPRESSION_OPTION_KEYS = keyList<NonNullable<CacheOptions['compression']>>({
  codec: true,
  threshold: true,
  level: true,
});

/** Keys of {@link CacheOptions.errorEvents}. */
export const ERROR_EVENT_OPTION_KEYS = keyList<NonNullable<CacheOptions['errorEvents']>>({
  intervalMs: true,
});

/** Keys of {@link SetOptions}. */
export const SET_OPTION_KEYS = keyList<SetOptions>({ ttl: true, grace: true, l1: true, tags: true });

/** Keys of {@link LookupOptions}. */
export const LOOKUP_OPTION_KEYS = keyList<LookupOptions>({ promote: true });

/** Keys of {@link GetOrSetOptions}. */
export const GET_OR_SET_OPTION_KEYS = keyList<GetOrSetOptions>({
  ttl: true,
  grace: true,
  l1: true,
  tags: true,
  promote: true,
  graceBackoff: true,
  softTtl: true,
  earlyRefresh: true,
  timeout: true,
  hardTimeout: true,
  condition: true,
  strategy: true,
  lock: true,
  budget: true,
});

/** Keys of {@link WrapOptions}. */
export const WRAP_OPTION_KEYS: readonly string[] = Object.freeze([
  ...GET_OR_SET_OPTION_KEYS,
  ...Object.keys({ key: true, name: true } satisfies Record<
    Exclude<keyof WrapOptions<unknown[], unknown>, keyof GetOrSetOptions>,
    true
  >),
]);

/** Keys of {@link NamespaceOptions}. */
export const NAMESPACE_OPTION_KEYS = keyList<NamespaceOptions>({ describeKey: true });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Adds one issue per key of `options` that is not in `known` (an own enumerable key, even
 * with the value `undefined`), with a "did you mean" hint. `path` is the dotted path of
 * `options` itself (`''` at the top).
 */
export function collectUnknownKeys(
  options: unknown,
  known: readonly string[],
  path: string,
  issues: ValidationIssue[],
): void {
  if (!isPlainObject(options)) return;
  for (const key in options) {
    if (!Object.hasOwn(options, key) || known.includes(key)) continue;
    issues.push({ path: path ? `${path}.${key}` : key, message: unknownOptionMessage(key, known) });
  }
}

/**
 * Throws a {@link ValidationError} (`Invalid <what>`) listing every unknown key of `options`.
 * A non-object (or `undefined`) passes: the caller checks shapes.
 */
export function checkOptionKeys(options: unknown, known: readonly string[], what: string): void {
  if (!isPlainObject(options)) return;
  // The common case (every key known) allocates nothing.
  for (const key in options) {
    if (Object.hasOwn(options, key) && !known.includes(key)) {
      const issues: ValidationIssue[] = [];
      collectUnknownKeys(options, known, '', issues);
      throw new ValidationError(`Invalid ${what}`, issues);
    }
  }
}

/** Issues for the unknown keys of `createCache` options, nested objects included. */
export function cacheOptionKeyIssues(options: CacheOptions): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  collectUnknownKeys(options, CACHE_OPTION_KEYS, '', issues);
  collectUnknownKeys(options.l1, L1_OPTION_KEYS, 'l1', issues);
  collectUnknownKeys(options.compression, COMPRESSION_OPTION_KEYS, 'compression', issues);
  collectUnknownKeys(options.errorEvents, ERROR_EVENT_OPTION_KEYS, 'errorEvents', issues);
  return issues;
}
