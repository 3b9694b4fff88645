/**
 * Compression algorithms of the entry codec behind one small internal interface.
 *
 * Codec ids are part of the stored format (envelope byte 3) and must never be renumbered:
 * `0` none, `1` lz4, `2` deflate.
 *
 * @internal
 * @module
 */

import { promisify } from 'node:util';
import { deflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import { SerializationError } from '../errors.js';
import { lz4 } from './lz4.js';
import type { CompressionCodec } from './types.js';

/** Stored codec ids (envelope byte 3). */
export const CodecIds = { none: 0, lz4: 1, deflate: 2 } as const;

/** One of {@link CodecIds}. */
export type CodecId = (typeof CodecIds)[keyof typeof CodecIds];

/**
 * Largest uncompressed length a stored entry may declare (512 MiB). Anything above is treated
 * as a decompression bomb and rejected before any memory is allocated.
 */
export const MAX_RAW_LENGTH = 512 * 1024 * 1024;

/** Deflate level used when none is configured. */
export const DEFAULT_DEFLATE_LEVEL = 6;

/** A compression algorithm. */
export interface Compressor {
  /** Stored codec id. */
  readonly id: CodecId;
  /** Name used in options. */
  readonly name: CompressionCodec;
  /** Compresses `input`. May return a Buffer. */
  compress(input: Uint8Array): Uint8Array;
  /**
   * Compresses `input` off the event loop (a libuv worker thread), to the same bytes as
   * {@link Compressor.compress}; absent when there is nothing to offload.
   */
  compressAsync?(input: Uint8Array): Promise<Uint8Array>;
  /**
   * Compresses the UTF-8 bytes of `text` off the event loop without encoding them on it first,
   * to the bytes {@link Compressor.compress} gives for them; resolves with their length too.
   * Absent when the algorithm cannot take text.
   */
  compressTextAsync?(text: string): Promise<{ compressed: Uint8Array; rawLength: number }>;
  /**
   * Decompresses `input`, whose uncompressed length is known to be `rawLength`.
   *
   * @throws {SerializationError} (`context.reason: 'decompress'`) when `rawLength` exceeds
   *   {@link MAX_RAW_LENGTH}, the data is malformed or the output length differs from `rawLength`.
   */
  decompress(input: Uint8Array, rawLength: number): Uint8Array;
}

function decompressError(message: string, codec: CompressionCodec, cause?: unknown): SerializationError {
  return new SerializationError(message, {
    context: { reason: 'decompress', codec },
    ...(cause === undefined ? {} : { cause }),
  });
}

function checkDeclaredLength(rawLength: number, codec: CompressionCodec): void {
  if (!Number.isInteger(rawLength) || rawLength < 0 || rawLength > MAX_RAW_LENGTH) {
    throw decompressError(
      `Declared uncompressed length ${rawLength} exceeds the limit of ${MAX_RAW_LENGTH} bytes`,
      codec,
    );
  }
}

function checkOutputLength(output: Uint8Array, rawLength: number, codec: CompressionCodec): Uint8Array {
  if (output.length !== rawLength) {
    throw decompressError(
      `Decompressed ${output.length} bytes where the header declares ${rawLength}`,
      codec,
    );
  }
  return output;
}

/** A Buffer view of `u8` without copying (lz4-napi's typings ask for Buffers). */
function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** Stores payloads as they are. */
export const noneCompressor: Compressor = Object.freeze({
  id: CodecIds.none,
  name: 'none',
  compress: (input: Uint8Array): Uint8Array => input,
  decompress: (input: Uint8Array, rawLength: number): Uint8Array =>
    checkOutputLength(input, rawLength, 'none'),
});

/**
 * LZ4 block compression (lz4-napi, loaded by the first entry compressed or read with it: see
 * ./lz4.ts). The stored payload is lz4-napi's block format: a 4-byte
 * little-endian uncompressed-size prefix followed by a raw LZ4 block. The prefix is checked
 * against the header's raw length before decompressing, so a corrupted prefix can neither
 * allocate a huge buffer nor yield a short output.
 */
export const lz4Compressor: Compressor = Object.freeze({
  id: CodecIds.lz4,
  name: 'lz4',
  compress: (input: Uint8Array): Uint8Array => lz4().compressSync(asBuffer(input)),
  compressAsync: (input: Uint8Array): Promise<Uint8Array> => lz4().compress(asBuffer(input)),
  // The block's 4-byte little-endian size prefix is the length of the UTF-8 bytes compressed.
  compressTextAsync: (text: string): Promise<{ compressed: Uint8Array; rawLength: number }> =>
    lz4()
      .compress(text)
      .then((compressed) => ({ compressed, rawLength: compressed.readUInt32LE(0) })),
  decompress(input: Uint8Array, rawLength: number): Uint8Array {
    checkDeclaredLength(rawLength, 'lz4');
    if (input.length < 4) throw decompressError('LZ4 payload is shorter than its size prefix', 'lz4');
    const prefix = (input[0]! | (input[1]! << 8) | (input[2]! << 16) | (input[3]! << 24)) >>> 0;
    if (prefix !== rawLength) {
      throw decompressError(
        `LZ4 size prefix ${prefix} differs from the header's raw length ${rawLength}`,
        'lz4',
      );
    }
    const { uncompressSync } = lz4();
    let output: Uint8Array;
    try {
      output = uncompressSync(input);
    } catch (error) {
      throw decompressError('LZ4 payload is corrupted', 'lz4', error);
    }
    return checkOutputLength(output, rawLength, 'lz4');
  },
});

const deflateRawAsync = promisify(deflateRaw);

/**
 * Raw deflate (node:zlib, no zlib/gzip wrapper) at the given level (1-9). Decompression is
 * bounded by `maxOutputLength`, so a bomb stops at the declared raw length.
 */
export function createDeflateCompressor(level: number = DEFAULT_DEFLATE_LEVEL): Compressor {
  return Object.freeze({
    id: CodecIds.deflate,
    name: 'deflate',
    compress: (input: Uint8Array): Uint8Array => deflateRawSync(input, { level }),
    compressAsync: (input: Uint8Array): Promise<Uint8Array> => deflateRawAsync(input, { level }),
    decompress(input: Uint8Array, rawLength: number): Uint8Array {
      checkDeclaredLength(rawLength, 'deflate');
      let output: Uint8Array;
      try {
        // One byte of slack so that "more output than declared" is detected as a length
        // mismatch rather than silently truncated.
        output = inflateRawSync(input, { maxOutputLength: rawLength + 1 });
      } catch (error) {
        throw decompressError('Deflate payload is corrupted or larger than declared', 'deflate', error);
      }
      return checkOutputLength(output, rawLength, 'deflate');
    },
  });
}

const defaultDeflate = createDeflateCompressor();

/**
 * The compressor for a stored codec id (the deflate level does not matter for decompression),
 * or `undefined` for an unknown id.
 */
export function compressorForId(id: number): Compressor | undefined {
  switch (id) {
    case CodecIds.none:
      return noneCompressor;
    case CodecIds.lz4:
      return lz4Compressor;
    case CodecIds.deflate:
      return defaultDeflate;
    default:
      return undefined;
  }
}

/** The compressor configured by name. */
export function compressorFor(codec: CompressionCodec, level: number = DEFAULT_DEFLATE_LEVEL): Compressor {
  switch (codec) {
    case 'none':
      return noneCompressor;
    case 'lz4':
      return lz4Compressor;
    case 'deflate':
      return level === DEFAULT_DEFLATE_LEVEL ? defaultDeflate : createDeflateCompressor(level);
  }
}
