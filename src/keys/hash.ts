/**
 * Hashing for cache keys: xxhash-wasm h64 (default, fast) or sha256 (node:crypto).
 *
 * xxhash-wasm is imported and its WebAssembly module initialised asynchronously on the first
 * {@link getHasher}`('xxh64')` (./xxhash.ts), once per process ({@link getHasher} memoizes it);
 * hashing is synchronous afterwards.
 *
 * @module
 */

import * as crypto from 'node:crypto';
import type { XXHashAPI } from 'xxhash-wasm';
import { ConfigurationError, ValidationError } from '../errors.js';
import { loadXxhash } from './xxhash.js';

/** Hash algorithms for keys. */
export type HashAlgorithm = 'xxh64' | 'sha256';

/** A synchronous string hasher. */
export interface Hasher {
  /** The algorithm. */
  readonly algorithm: HashAlgorithm;
  /**
   * Hashes the UTF-8 bytes of `input`.
   *
   * @returns lowercase hex: 16 characters for xxh64, 64 for sha256.
   */
  hash(input: string): string;
}

/** Length of the hex digest of each algorithm. */
export const HASH_HEX_LENGTH: Readonly<Record<HashAlgorithm, number>> = Object.freeze({
  xxh64: 16,
  sha256: 64,
});

/** Node's one-shot `crypto.hash` (20.12+), else a `Hash` object per call. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

const sha256Hasher: Hasher = Object.freeze({
  algorithm: 'sha256',
  hash: oneShot
    ? (input: string): string => oneShot('sha256', input, 'hex')
    : (input: string): string => crypto.createHash('sha256').update(input, 'utf8').digest('hex'),
});

const sha256Promise: Promise<Hasher> = Promise.resolve(sha256Hasher);

let xxh64Hasher: Hasher | undefined;
let xxh64Promise: Promise<Hasher> | undefined;
let xxhashApi: XXHashAPI | undefined;

/** The byte hashing functions of xxhash-wasm that the entry codec uses (checksums, key binding). */
export interface ByteHasher {
  /** XXH64 of `bytes` with `seed`. */
  h64Raw(bytes: Uint8Array, seed?: bigint): bigint;
  /** XXH64 of the UTF-8 bytes of `input` with `seed`. */
  h64(input: string, seed?: bigint): bigint;
}

function initXxh64(): Promise<Hasher> {
  xxh64Promise = loadXxhash().then(
    (api) => {
      xxhashApi = api;
      const h64ToString = api.h64ToString;
      xxh64Hasher = Object.freeze({
        algorithm: 'xxh64',
        // h64ToString zero-pads to 16 hex characters.
        hash: (input: string): string => h64ToString(input),
      });
      return xxh64Hasher;
    },
    (error: unknown) => {
      // Let a later call retry instead of memoizing the failure.
      xxh64Promise = undefined;
      throw new ConfigurationError("xxhash-wasm could not be initialised; configure hashAlgorithm 'sha256'", {
        context: { algorithm: 'xxh64' },
        cause: error,
      });
    },
  );
  return xxh64Promise;
}

function unknownAlgorithm(algorithm: unknown): ValidationError {
  return new ValidationError('Unknown hash algorithm', [
    {
      path: 'algorithm',
      message: `must be 'xxh64' or 'sha256', got ${JSON.stringify(algorithm) ?? String(algorithm)}`,
    },
  ]);
}

/**
 * Returns the hasher for `algorithm` (default `'xxh64'`). The xxhash WebAssembly module is
 * initialised once per process; every call shares it.
 *
 * @throws {ConfigurationError} (rejection) when xxhash-wasm cannot be initialised.
 * @throws {ValidationError} (rejection) for an unknown algorithm.
 */
export function getHasher(algorithm: HashAlgorithm = 'xxh64'): Promise<Hasher> {
  if (algorithm === 'sha256') return sha256Promise;
  if (algorithm !== 'xxh64') return Promise.reject(unknownAlgorithm(algorithm));
  return xxh64Promise ?? initXxh64();
}

/**
 * Returns the hasher for `algorithm` synchronously, or `undefined` for `'xxh64'` while the
 * xxhash WebAssembly module is not initialised yet (await {@link getHasher} once first).
 *
 * @throws {ValidationError} for an unknown algorithm.
 */
export function getHasherSync(algorithm: HashAlgorithm = 'xxh64'): Hasher | undefined {
  if (algorithm === 'sha256') return sha256Hasher;
  if (algorithm !== 'xxh64') throw unknownAlgorithm(algorithm);
  return xxh64Hasher;
}

/**
 * Loads the xxhash WebAssembly module (once per process, shared with {@link getHasher}) and
 * returns its byte hashing functions. The entry codec needs it loaded before its first
 * `encode` / `decode`: `Cache` awaits it in `ready()` and before its first operation.
 *
 * @throws {ConfigurationError} (rejection) when xxhash-wasm cannot be initialised.
 */
export async function loadByteHasher(): Promise<ByteHasher> {
  if (xxhashApi === undefined) {
    try {
      await getHasher('xxh64');
    } catch (error) {
      throw new ConfigurationError(
        'xxhash-wasm could not be initialised: the entry codec needs it for its checksums (WebAssembly must be available)',
        { context: { algorithm: 'xxh64' }, cause: error },
      );
    }
  }
  return xxhashApi as ByteHasher;
}

/** The byte hashing functions, or `undefined` while {@link loadByteHasher} has not resolved yet. */
export function byteHasherSync(): ByteHasher | undefined {
  return xxhashApi;
}
