/**
 * Framing of a serialized payload into an envelope: compressed when that pays (on the event loop,
 * or on a libuv worker thread for large payloads), else raw. Used by the entry codec
 * (./codec.ts); the envelope format itself is ./envelope.ts.
 *
 * @internal
 * @module
 */
import { SerializationError } from '../errors.js';
import { CodecIds, type Compressor, MAX_RAW_LENGTH } from './compressors.js';
import { ENVELOPE_HEADER_BYTES, seal, writeHeader } from './envelope.js';
import { utf8Encoder } from './serializer.js';
import type { EncodedEntry, EntryMeta } from './types.js';

const MAX_UINT32 = 0xffffffff;

/**
 * Serialized payloads from this many bytes on are compressed off the event loop by
 * {@link EntryCodec.encodeAsync} (a libuv worker thread): at 50 KB, lz4 took a third of the
 * write path's CPU on the event loop (npm run bench, scenario 3); below, handing the work to a
 * thread costs about what it saves.
 */
export const ASYNC_COMPRESSION_BYTES = 8 * 1024;

/** Throws unless `rawLength` fits the header's uint32 length fields. */
export function checkLength(rawLength: number): void {
  if (rawLength > MAX_UINT32) {
    throw new SerializationError(`Serialized value is too large (${rawLength} bytes)`, {
      context: { reason: 'too-large', length: rawLength },
    });
  }
}

/**
 * Whether a payload of `rawLength` bytes is compressed. Payloads above MAX_RAW_LENGTH are stored
 * raw: decode rejects larger declared raw lengths of compressed payloads as decompression bombs.
 */
export function compresses(compressor: Compressor, rawLength: number, threshold: number): boolean {
  return compressor.id !== CodecIds.none && rawLength >= threshold && rawLength <= MAX_RAW_LENGTH;
}

export function compressFailed(compressor: Compressor, error: unknown): SerializationError {
  return new SerializationError(`Compression with ${compressor.name} failed`, {
    context: { reason: 'compress', codec: compressor.name },
    cause: error,
  });
}

/** The envelope of an lz4/deflate payload `compressed` of `rawLength` serialized bytes. */
export function compressedFrame(
  compressed: Uint8Array,
  rawLength: number,
  compressor: Compressor,
  meta: EntryMeta,
  key: string,
  tags: Uint8Array | undefined,
): Uint8Array {
  const start = ENVELOPE_HEADER_BYTES + (tags?.length ?? 0);
  const out = new Uint8Array(start + compressed.length);
  writeHeader(out, compressor.id, meta, true, compressed.length, rawLength, tags);
  out.set(compressed, start);
  seal(out, key);
  return out;
}

/** The envelope of `serialized` stored raw. */
export function rawFrame(
  serialized: Uint8Array,
  meta: EntryMeta,
  key: string,
  tags: Uint8Array | undefined,
): EncodedEntry {
  const rawLength = serialized.length;
  const start = ENVELOPE_HEADER_BYTES + (tags?.length ?? 0);
  const out = new Uint8Array(start + rawLength);
  writeHeader(out, CodecIds.none, meta, false, rawLength, rawLength, tags);
  out.set(serialized, start);
  seal(out, key);
  return { bytes: out, serialized, rawBytes: rawLength, compressed: false };
}

/**
 * The envelope of `serialized`: compressed with `compressor` when `compressed` (its output) is
 * shorter, else raw.
 */
export function frame(
  serialized: Uint8Array,
  compressed: Uint8Array | undefined,
  compressor: Compressor,
  meta: EntryMeta,
  key: string,
  tags: Uint8Array | undefined,
): EncodedEntry {
  const rawLength = serialized.length;
  if (compressed === undefined || compressed.length >= rawLength)
    return rawFrame(serialized, meta, key, tags);
  const bytes = compressedFrame(compressed, rawLength, compressor, meta, key, tags);
  return { bytes, serialized, rawBytes: rawLength, compressed: true };
}

/** Builds an envelope around an already serialized payload, compressing on the event loop. */
export function envelope(
  serialized: Uint8Array,
  meta: EntryMeta,
  key: string,
  compressor: Compressor,
  threshold: number,
  tags: Uint8Array | undefined,
): EncodedEntry {
  checkLength(serialized.length);
  let compressed: Uint8Array | undefined;
  if (compresses(compressor, serialized.length, threshold)) {
    try {
      compressed = compressor.compress(serialized);
    } catch (error) {
      throw compressFailed(compressor, error);
    }
  }
  return frame(serialized, compressed, compressor, meta, key, tags);
}

/** The result of `work`, a failure of it reported as the compressor's (see compressFailed). */
async function compressing<T>(compressor: Compressor, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw compressFailed(compressor, error);
  }
}

/** {@link envelope}, compressing on a worker thread. */
export async function envelopeOffLoop(
  serialized: Uint8Array,
  meta: EntryMeta,
  key: string,
  compressor: Compressor,
  compressAsync: (input: Uint8Array) => Promise<Uint8Array>,
  tags: Uint8Array | undefined,
): Promise<EncodedEntry> {
  const compressed = await compressing(compressor, () => compressAsync(serialized));
  return frame(serialized, compressed, compressor, meta, key, tags);
}

/**
 * The envelope of JSON `text`, its UTF-8 bytes made and compressed on a worker thread: the event
 * loop never holds them (the entry's `serialized` is encoded if someone reads it). Stored raw
 * when compression does not pay, or when the payload is too large to be stored compressed.
 */
export async function textOffLoop(
  text: string,
  meta: EntryMeta,
  key: string,
  compressor: Compressor,
  compressText: NonNullable<Compressor['compressTextAsync']>,
  tags: Uint8Array | undefined,
): Promise<EncodedEntry> {
  const { compressed, rawLength } = await compressing(compressor, () => compressText(text));
  checkLength(rawLength);
  if (compressed.length >= rawLength || rawLength > MAX_RAW_LENGTH) {
    return rawFrame(utf8Encoder.encode(text), meta, key, tags);
  }
  const bytes = compressedFrame(compressed, rawLength, compressor, meta, key, tags);
  let serialized: Uint8Array | undefined;
  return {
    bytes,
    get serialized(): Uint8Array {
      serialized ??= utf8Encoder.encode(text);
      return serialized;
    },
    rawBytes: rawLength,
    compressed: true,
  };
}
