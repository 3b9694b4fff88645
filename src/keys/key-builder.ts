/**
 * Cache key construction: `prefix:ns1:ns2:key`, with injective escaping of the user key and
 * hashing of keys that would exceed the length limit.
 *
 * @module
 */

import { ValidationError, type ValidationIssue } from '../errors.js';
import type { Hasher } from './hash.js';

/** ASCII characters that {@link escapeKeyPart} percent-encodes. */
const ESCAPED = new Uint8Array(128);
for (const ch of '%:#*?[]\\{}') ESCAPED[ch.charCodeAt(0)] = 1;
for (let c = 0; c < 0x20; c++) ESCAPED[c] = 1;
ESCAPED[0x7f] = 1;

/** Characters not allowed in a prefix or namespace (besides control characters and whitespace). */
/** `#` is reserved for the cache's own keys (hashed keys, tag stamps) so no namespace can shadow them. */
const FORBIDDEN_IN_SEGMENT = /[:#*?[\]\\\s]/;

/** Precomputed `%XX` escapes of the ASCII characters (only the escaped ones are used). */
const HEX2: readonly string[] = Array.from(
  { length: 128 },
  (_, c) => `%${c.toString(16).toUpperCase().padStart(2, '0')}`,
);

function hex2(c: number): string {
  return HEX2[c] as string;
}

/** How many string keys a {@link KeyBuilder} remembers. */
const MEMO_SIZE = 4096;

/**
 * Escapes one key part so that it can be placed between `:` separators without ambiguity.
 *
 * The escaping is injective (different inputs give different outputs) and its output never
 * contains `:` nor `#`:
 * - `%` `:` `#` `*` `?` `[` `]` `\` `{` `}` and the control characters U+0000-U+001F, U+007F
 *   become `%XX` (uppercase hex of the code unit): `:` -> `%3A`, `%` -> `%25`. Glob characters
 *   are escaped so keys are literal in `SCAN MATCH` patterns, braces so that user input cannot
 *   pick a Redis Cluster hash slot (`{tag}`);
 * - unpaired UTF-16 surrogates become `%uXXXX` (they would all turn into U+FFFD once encoded
 *   as UTF-8, making different strings equal on the wire).
 *
 * Everything else (letters, digits, spaces, non-ASCII text) is kept, so common keys are
 * returned unchanged without allocating.
 */
export function escapeKeyPart(part: string): string {
  let out: string | undefined;
  let last = 0;
  const length = part.length;
  for (let i = 0; i < length; i++) {
    const c = part.charCodeAt(i);
    let replacement: string | undefined;
    if (c < 128) {
      if (ESCAPED[c] === 1) replacement = hex2(c);
    } else if (c >= 0xd800 && c <= 0xdfff) {
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
 * A user-facing cache key (before prefixing, namespacing and escaping): a string, a number, or
 * an array of parts (a composite key). Each part is escaped on its own and parts are joined with
 * `:`, so `['user', 'a:b']` and `['user:a', 'b']` are different keys. A one-part array is the
 * same key as its part.
 */
export type CacheKey = string | number | readonly (string | number)[];

/** Escapes a {@link CacheKey} into the key part that follows the namespaces. */
export function escapeCacheKey(userKey: CacheKey): string {
  if (typeof userKey === 'string') return escapeKeyPart(userKey);
  if (typeof userKey === 'number') return escapeKeyPart(String(userKey));
  let out = '';
  for (let i = 0; i < userKey.length; i++) {
    if (i > 0) out += ':';
    out += escapeKeyPart(String(userKey[i]));
  }
  return out;
}

/** Options of {@link KeyBuilder}. */
export interface KeyBuilderOptions {
  /** First segment of every key (e.g. `'app'`). Non-empty; no `:`, glob characters or whitespace. */
  prefix: string;
  /** Namespace segments after the prefix, outermost first. Same rules as `prefix`. */
  namespace?: readonly string[];
  /**
   * Maximum length of a full key in UTF-8 bytes; longer keys get their key part hashed.
   * Must leave room for the prefix, the namespaces and a hashed key part. @default 250
   */
  maxKeyLength?: number;
  /** Hasher for key parts that are too long. */
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

/**
 * Builds cache keys `prefix:ns1:ns2:<escaped user key>`.
 *
 * The user key is escaped with {@link escapeKeyPart}, so a user key containing `:` can never
 * produce the key of another namespace. When the full key would be longer than
 * `maxKeyLength` (UTF-8 bytes), the key part becomes `#` followed by the hash of the escaped
 * user key; escaped parts never contain `#`, so a hashed key cannot collide with a literal one.
 *
 * @example
 * ```ts
 * const keys = new KeyBuilder({ prefix: 'app', hasher: await getHasher() });
 * keys.child('users').key('42:profile'); // 'app:users:42%3Aprofile'
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
    if (issues.length === 0) {
      const base = `${[prefix, ...namespace].join(':')}:`;
      const minimum = utf8Length(base) + 1 + hasher.hash('').length;
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
    this.#base = `${[prefix, ...namespace].join(':')}:`;
    this.#baseBytes = utf8Length(this.#base);
  }

  /**
   * Checks that `part` can be a prefix or namespace segment: a non-empty string without `:`,
   * `*`, `?`, `[`, `]`, `\\`, whitespace or control characters.
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
   * The full key for `userKey`: `prefix:ns1:ns2:<escaped userKey>`, or
   * `prefix:ns1:ns2:#<hash>` when that would exceed `maxKeyLength` bytes.
   */
  key(userKey: CacheKey): string {
    // String keys repeat (hot keys are read again and again): remember their full key, so a
    // hit costs one Map lookup instead of escaping and concatenating again.
    if (typeof userKey === 'string') {
      const known = this.#memo.get(userKey);
      if (known !== undefined) return known;
      const full = this.#build(userKey);
      if (this.#memo.size >= MEMO_SIZE) this.#memo.clear();
      this.#memo.set(userKey, full);
      return full;
    }
    return this.#build(userKey);
  }

  #build(userKey: CacheKey): string {
    const escaped = escapeCacheKey(userKey);
    const budget = this.#maxKeyLength - this.#baseBytes;
    // UTF-16 length <= UTF-8 length <= 3 * UTF-16 length (escaped has no lone surrogates).
    if (escaped.length <= budget && (escaped.length * 3 <= budget || utf8Length(escaped) <= budget)) {
      return this.#base + escaped;
    }
    return `${this.#base}#${this.#hasher.hash(escaped)}`;
  }

  /** The prefix shared by every key of this builder and its children: `'prefix:ns1:ns2:'`. */
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
