/**
 * Cache key construction.
 *
 * A full key is `prefix:` + one `name:` per namespace (outermost first) + the key section:
 * - `:` + the user key, verbatim, for a key that fits in `maxKeyLength` (`app:users::42`,
 *   `app::42` at the root);
 * - `#:` + the hash of the user key otherwise (`app:users:#:9f86d081884c7d65`).
 *
 * Namespace names are never empty and never contain `:` or `#`, so the namespace section of a
 * full key parses unambiguously: after `prefix:`, an empty segment starts the verbatim key, a
 * segment starting with `#` is a marker (`#` a hashed key, `#tag` a tag stamp), any other
 * segment is a namespace name. No user key can produce another namespace's key or a hashed key.
 *
 * @module
 */

import { ValidationError, type ValidationIssue } from '../errors.js';
import type { Hasher } from './hash.js';

/** Characters not allowed in a prefix or namespace (besides control characters and whitespace). */
/** `#` is reserved for the cache's own markers (hashed keys, tag stamps) so no namespace can shadow them. */
const FORBIDDEN_IN_SEGMENT = /[:#*?[\]\\\s]/;

/** How many string keys a {@link KeyBuilder} remembers. */
const MEMO_SIZE = 4096;

/**
 * Escapes one part of an array key (or one value of a key template) so that parts joined with
 * `:` never collide.
 *
 * The escaping is injective (different inputs give different outputs) and its output never
 * contains `:`:
 * - `%` `:` `{` `}` become `%25` `%3A` `%7B` `%7D` (braces so that user data cannot pick a Redis
 *   Cluster hash slot; a string key may still carry a hash tag of its own);
 * - unpaired UTF-16 surrogates become `%uXXXX` (they would all turn into U+FFFD once encoded as
 *   UTF-8, making different strings equal on the wire).
 *
 * Everything else is kept, so a part without those characters (a "plain" part) is returned
 * unchanged, without allocating.
 */
export function escapeKeyPart(part: string): string {
  let out: string | undefined;
  let last = 0;
  const length = part.length;
  for (let i = 0; i < length; i++) {
    const c = part.charCodeAt(i);
    let replacement: string | undefined;
    if (c === 0x25) replacement = '%25';
    else if (c === 0x3a) replacement = '%3A';
    else if (c === 0x7b) replacement = '%7B';
    else if (c === 0x7d) replacement = '%7D';
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < length ? part.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid surrogate pair: keep it
      } else {
        replacement = `%u${c.toString(16).toUpperCase()}`;
      }
    }
    if (replacement !== undefined) {
      out = (out ?? '') + part.slice(last, i) + replacement;
      last = i + 1;
    }
  }
  return out === undefined ? part : out + part.slice(last);
}

/**
 * A user-facing cache key:
 * - a string, used verbatim (`'items:books:2'`); it must be well-formed UTF-16 (no lone
 *   surrogate);
 * - a finite number or a bigint, the same key as its decimal string (`String(n)`: `2` and `'2'`
 *   are one key);
 * - a non-empty array of those (a composite key): each part is escaped with
 *   {@link escapeKeyPart} and the parts are joined with `:`, so different arrays never collide
 *   and an array of plain parts is the string it spells (`['items', 'books', 2]` is
 *   `'items:books:2'`).
 *
 * Anything else (`null`, `undefined`, `NaN`, `±Infinity`, booleans, objects, symbols,
 * functions, nested arrays) is a {@link ValidationError}.
 */
export type CacheKey = string | number | bigint | readonly (string | number | bigint)[];

/** Describes a value for an error message without showing it (it could be secret). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value); // ±Infinity
  if (value === undefined) return 'undefined';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const KEY_TYPES = 'a string, a finite number, a bigint or a non-empty array of them';
const LONE_SURROGATE = 'must be well-formed UTF-16 (it contains a lone surrogate)';

function isWellFormed(s: string): boolean {
  // Fast path: no surrogate at all is the common case.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (c > 0xdbff || next < 0xdc00 || next > 0xdfff) return false;
    i++;
  }
  return true;
}

/** The string of one array part, or `undefined` (an issue is recorded) when it cannot be one. */
function partString(part: unknown, path: string, issues: ValidationIssue[]): string | undefined {
  if (typeof part === 'string') return part;
  if (typeof part === 'number' && Number.isFinite(part)) return String(part);
  if (typeof part === 'bigint') return part.toString();
  issues.push({ path, message: `must be a string, a finite number or a bigint (got ${describe(part)})` });
  return undefined;
}

/**
 * The key section of a {@link CacheKey}: the string it denotes (a string as it is, a number's
 * decimal string, an array's escaped parts joined with `:`).
 *
 * @throws {ValidationError} naming the key (`key`, or `key.<index>` for a part of an array)
 *   and the type it got, never its value, for anything that is not a valid {@link CacheKey}.
 */
export function normalizeCacheKey(userKey: CacheKey): string {
  if (typeof userKey === 'string') {
    if (isWellFormed(userKey)) return userKey;
    throw new ValidationError('Invalid cache key', [{ path: 'key', message: LONE_SURROGATE }]);
  }
  if (typeof userKey === 'number' && Number.isFinite(userKey)) return String(userKey);
  if (typeof userKey === 'bigint') return userKey.toString();
  if (!Array.isArray(userKey)) {
    throw new ValidationError('Invalid cache key', [
      { path: 'key', message: `must be ${KEY_TYPES} (got ${describe(userKey)})` },
    ]);
  }
  const parts = userKey as readonly unknown[];
  if (parts.length === 0) {
    throw new ValidationError('Invalid cache key', [
      { path: 'key', message: 'an array key must have at least one part' },
    ]);
  }
  const issues: ValidationIssue[] = [];
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const s = partString(parts[i], `key.${i}`, issues);
    if (s === undefined) continue;
    if (i > 0) out += ':';
    out += escapeKeyPart(s);
  }
  if (issues.length > 0) throw new ValidationError('Invalid cache key', issues);
  return out;
}

/** Options of {@link KeyBuilder}. */
export interface KeyBuilderOptions {
  /** First segment of every key (e.g. `'app'`). Non-empty; no `:`, `#`, glob characters or whitespace. */
  prefix: string;
  /** Namespace segments after the prefix, outermost first. Same rules as `prefix`. @default [] */
  namespace?: readonly string[];
  /**
   * Maximum length of a full key in UTF-8 bytes; longer keys get their key section hashed.
   * Must leave room for the prefix, the namespaces and a hashed key section. @default 250
   */
  maxKeyLength?: number;
  /** Hasher for keys that are too long. */
  hasher: Hasher;
}

function segmentIssues(value: unknown, path: string): ValidationIssue[] {
  if (typeof value !== 'string' || value.length === 0)
    return [{ path, message: 'must be a non-empty string' }];
  if (FORBIDDEN_IN_SEGMENT.test(value) || [...value].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\x7f')) {
    return [
      {
        path,
        message: 'must not contain ":", "#", "*", "?", "[", "]", "\\", whitespace or control characters',
      },
    ];
  }
  return [];
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The marker of a verbatim key section (`prefix:ns:` + `:` + key). */
const VERBATIM = ':';
/** The marker of a hashed key section (`prefix:ns:` + `#:` + hash). */
const HASHED = '#:';

/**
 * Builds full cache keys: `prefix:ns1:ns2::<key>` (the key verbatim, see {@link CacheKey}), or
 * `prefix:ns1:ns2:#:<hash>` when that would be longer than `maxKeyLength` UTF-8 bytes.
 *
 * The namespace section is unambiguous (names contain neither `:` nor `#` and are never empty;
 * the key section starts with `:` or `#:`), so no key, however it is spelled, reaches into
 * another namespace or equals a hashed key, and `prefixFor()` of a namespace is a pure prefix
 * of exactly its own keys and its nested namespaces' keys.
 *
 * @example
 * ```ts
 * const keys = new KeyBuilder({ prefix: 'app', hasher: await getHasher() });
 * keys.key('items:books:2');               // 'app::items:books:2'
 * keys.key(['items', 'books', 2]);         // 'app::items:books:2'
 * keys.child('users').key(['42', 'a:b']); // 'app:users::42:a%3Ab'
 * ```
 */
export class KeyBuilder {
  readonly #prefix: string;
  readonly #namespace: readonly string[];
  readonly #maxKeyLength: number;
  readonly #hasher: Hasher;
  readonly #base: string;
  readonly #baseBytes: number;
  /** Recent string user keys and their full keys (bounded; cleared when full). */
  readonly #memo = new Map<string, string>();

  /** @throws {ValidationError} listing every invalid option. */
  constructor(options: KeyBuilderOptions) {
    const {
      prefix,
      namespace = [],
      maxKeyLength = 250,
      hasher,
    } = options ?? ({} as Partial<KeyBuilderOptions>);
    const issues: ValidationIssue[] = [...segmentIssues(prefix, 'prefix')];
    if (!Array.isArray(namespace)) {
      issues.push({ path: 'namespace', message: 'must be an array of strings' });
    } else {
      namespace.forEach((ns, i) => {
        issues.push(...segmentIssues(ns, `namespace.${i}`));
      });
    }
    if (hasher === null || typeof hasher !== 'object' || typeof hasher.hash !== 'function') {
      issues.push({ path: 'hasher', message: 'must be a Hasher (see getHasher())' });
    }
    if (!Number.isInteger(maxKeyLength) || maxKeyLength <= 0) {
      issues.push({ path: 'maxKeyLength', message: 'must be a positive integer' });
    }
    let base = '';
    if (issues.length === 0) {
      base = `${[prefix, ...namespace].join(':')}:`;
      const minimum = utf8Length(base) + HASHED.length + hasher.hash('').length;
      if (maxKeyLength < minimum) {
        issues.push({
          path: 'maxKeyLength',
          message: `must be at least ${minimum} to fit the prefix, the namespaces and a hashed key`,
        });
      }
    }
    if (issues.length > 0) throw new ValidationError('Invalid key builder options', issues);
    this.#prefix = prefix;
    this.#namespace = Object.freeze([...namespace]);
    this.#maxKeyLength = maxKeyLength;
    this.#hasher = hasher;
    this.#base = base;
    this.#baseBytes = utf8Length(base);
  }

  /**
   * Checks that `part` can be a prefix or namespace segment: a non-empty string without `:`,
   * `#`, `*`, `?`, `[`, `]`, `\\`, whitespace or control characters.
   *
   * @param path - the option name reported in the error (e.g. `'namespace'`).
   * @throws {ValidationError} when it cannot.
   */
  static validatePart(part: unknown, path = 'part'): asserts part is string {
    const issues = segmentIssues(part, path);
    if (issues.length > 0) throw new ValidationError(`Invalid ${path}`, issues);
  }

  /** The key prefix. */
  get prefix(): string {
    return this.#prefix;
  }

  /** The namespace segments, outermost first. */
  get namespace(): readonly string[] {
    return this.#namespace;
  }

  /** Maximum key length in UTF-8 bytes. */
  get maxKeyLength(): number {
    return this.#maxKeyLength;
  }

  /**
   * The full key for `userKey`: `prefix:ns1:ns2::<key>`, or `prefix:ns1:ns2:#:<hash>` when that
   * would exceed `maxKeyLength` bytes.
   *
   * @throws {ValidationError} when `userKey` is not a valid {@link CacheKey} (see
   *   {@link normalizeCacheKey}).
   */
  key(userKey: CacheKey): string {
    // String keys repeat (hot keys are read again and again): remember their full key, so a
    // hit costs one Map lookup instead of checking and concatenating again.
    if (typeof userKey === 'string') {
      const known = this.#memo.get(userKey);
      if (known !== undefined) return known;
      const full = this.#build(normalizeCacheKey(userKey));
      if (this.#memo.size >= MEMO_SIZE) this.#memo.clear();
      this.#memo.set(userKey, full);
      return full;
    }
    return this.#build(normalizeCacheKey(userKey));
  }

  #build(section: string): string {
    const budget = this.#maxKeyLength - this.#baseBytes - VERBATIM.length;
    // UTF-16 length <= UTF-8 length <= 3 * UTF-16 length (section is well-formed UTF-16).
    if (section.length <= budget && (section.length * 3 <= budget || utf8Length(section) <= budget)) {
      return this.#base + VERBATIM + section;
    }
    return this.#base + HASHED + this.#hasher.hash(section);
  }

  /**
   * The prefix shared by every key of this builder and of its nested namespaces, and by no
   * other key: `'prefix:ns1:ns2:'` (`'prefix:'` at the root, which also covers every namespace).
   */
  prefixFor(): string {
    return this.#base;
  }

  /**
   * A builder for a nested namespace (same prefix, hasher and length limit).
   *
   * @throws {ValidationError} when `namespace` is invalid or leaves no room for keys.
   */
  child(namespace: string): KeyBuilder {
    return new KeyBuilder({
      prefix: this.#prefix,
      namespace: [...this.#namespace, namespace],
      maxKeyLength: this.#maxKeyLength,
      hasher: this.#hasher,
    });
  }
}
