/**
 * lz4-napi, loaded on first use: the main entry does not load the native addon at import, only
 * the first entry compressed with (or stored in) lz4 does. The load is synchronous (`require`),
 * so the entry codec stays synchronous; it works from the ESM build (`createRequire` on
 * `import.meta.url`) and the CJS build (tsup's `shims` define `import.meta.url` there).
 *
 * @internal
 * @module
 */

import { ConfigurationError } from '../errors.js';
import { nodeRequire } from '../node-require.js';

/** The two functions of lz4-napi the entry codec uses. */
export interface Lz4 {
  /** LZ4 block with a 4-byte little-endian uncompressed-size prefix. */
  compressSync(input: Buffer): Buffer;
  /**
   * {@link Lz4.compressSync} on a libuv worker thread (the event loop goes on meanwhile); a
   * string is compressed as its UTF-8 bytes (the size prefix is their length).
   */
  compress(input: Buffer | string): Promise<Buffer>;
  /** The inverse of {@link Lz4.compressSync}. */
  uncompressSync(input: Buffer | Uint8Array): Buffer;
}

const PACKAGE = 'lz4-napi';

let loaded: Lz4 | undefined;

/**
 * Requires lz4-napi with `load` (Node's `require` by default) and checks its two functions.
 *
 * @throws {ConfigurationError} when the addon cannot be loaded (not installed, or no prebuilt
 *   binary for this platform) or lacks `compressSync` / `compress` / `uncompressSync`.
 */
export function loadLz4(load: (id: string) => unknown = nodeRequire): Lz4 {
  let module: unknown;
  try {
    module = load(PACKAGE);
  } catch (error) {
    throw new ConfigurationError(
      `lz4 compression needs ${PACKAGE}, which could not be loaded (${(error as Error).message}); reinstall it or configure compression 'deflate' or 'none'`,
      { cause: error, context: { codec: 'lz4', package: PACKAGE } },
    );
  }
  const api = module as Partial<Lz4> | undefined;
  if (
    typeof api?.compressSync !== 'function' ||
    typeof api.compress !== 'function' ||
    typeof api.uncompressSync !== 'function'
  ) {
    throw new ConfigurationError(`${PACKAGE} does not export compressSync, compress and uncompressSync`, {
      context: { codec: 'lz4', package: PACKAGE },
    });
  }
  return api as Lz4;
}

/**
 * lz4-napi, required on the first call and kept for the process (a failed load is not kept: the
 * next call tries again).
 *
 * @throws {ConfigurationError} see {@link loadLz4}.
 */
export function lz4(): Lz4 {
  loaded ??= loadLz4();
  return loaded;
}
