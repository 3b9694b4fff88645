/**
 * The envelope every stored entry is: its header layout, parsing and writing, checksum and key
 * binding, and the tags section. The entry codec (./codec.ts) wraps a serialized, maybe compressed,
 * payload in it.
 *
 * The entry codec: value -> serializer -> [compress] -> envelope, and back.
 *
 * ## Stored format (envelope version 2)
 *
 * Every entry a backend stores is one envelope: a fixed 56-byte header followed by the payload.
 * All multi-byte numbers are little-endian.
 *
 * ```text
 * offset size  field
 *      0    2  magic 0xA7 0xC1
 *      2    1  format version (2)
 *      3    1  codec id: 0 none, 1 lz4, 2 deflate (raw deflate)
 *      4    1  flags: bit0 compressed, bit1 encrypted (reserved, never set yet), bit2 stream,
 *              bit3 tagged; bits 4-7 must be 0
 *      5    1  reserved, must be 0
 *      6    2  tags section length uint16 when tagged (0 otherwise)
 *      8    8  createdAt   float64 (epoch ms)
 *     16    8  freshUntil  float64 (epoch ms; end of the logical TTL)
 *     24    8  staleUntil  float64 (epoch ms; end of the grace period, the physical expiry)
 *     32    4  payload length uint32 (the envelope is exactly 56 + tags length + this)
 *     36    4  raw length uint32 (serialized, uncompressed length of the payload)
 *     40    8  key binding uint64: XXH64 (seed 0) of the UTF-8 bytes of the entry's full key
 *     48    8  checksum uint64: XXH64 of bytes 56..end (tags section and payload), seeded with
 *              XXH64 (seed 0) of bytes 0..47 (the header before the checksum, binding included)
 *     56    t  tags section, only when tagged: UTF-8 JSON array of strings
 *   56+t    n  payload: the serialized value, compressed when the compressed flag is set
 * ```
 *
 * Decoding checks, in order: magic, version, the header's own consistency (codec id, flags,
 * reserved bytes, timestamps, exact length), the checksum, then the key binding; only then is
 * the payload decompressed and deserialized. So a flipped bit anywhere, a truncated or extended
 * entry, or another key's genuine entry is rejected before any of its bytes are interpreted.
 *
 * Version 1 (written by 0.1.0) is the same header without bytes 40-55 (a 40-byte header, tags
 * and payload at offset 40) and still decodes, without a checksum or key binding. Its length
 * must match exactly, which a version 2 entry whose version byte became 1 never does (it is 16
 * bytes longer than its fields declare), so no change of the version byte turns a v2 entry into
 * a v1 one that decodes.
 *
 * Payloads whose serialized length is at least `threshold` are compressed with the configured
 * codec, but stay compressed only when that actually saves bytes; otherwise they are stored raw
 * with codec id 0 and the compressed flag cleared. So `compressed` flag set <=> codec id != 0.
 * An lz4 payload is lz4-napi's block format (4-byte LE size prefix, then an LZ4 block); a
 * deflate payload is a raw deflate stream.
 *
 * Once the codec is ready (`await codec.ready()`, which loads xxhash-wasm), decoding never
 * throws anything but a {@link SerializationError}; its `context.reason` is one of
 * {@link DecodeFailureReason}.
 *
 * @module
 */

import { ConfigurationError, SerializationError, ValidationError } from '../errors.js';
import { type ByteHasher, byteHasherSync } from '../keys/hash.js';
import { CodecIds, compressorForId } from './compressors.js';
import { utf8Encoder } from './serializer.js';
import type { EntryMeta } from './types.js';

/** Size of the envelope header in bytes (version 2). */
export const ENVELOPE_HEADER_BYTES = 56;

/** Size of the header of a version 1 envelope (still decoded). */
export const ENVELOPE_V1_HEADER_BYTES = 40;

/** Envelope format version written by this codec. */
export const ENVELOPE_FORMAT_VERSION = 2;

/**
 * The fields of the version 2 header, in order: offset and size in bytes (the README's entry
 * format table is checked against it).
 */
export const ENVELOPE_LAYOUT: readonly {
  readonly field: string;
  readonly offset: number;
  readonly size: number;
}[] = Object.freeze([
  { field: 'magic', offset: 0, size: 2 },
  { field: 'version', offset: 2, size: 1 },
  { field: 'codec', offset: 3, size: 1 },
  { field: 'flags', offset: 4, size: 1 },
  { field: 'reserved', offset: 5, size: 1 },
  { field: 'tagsLength', offset: 6, size: 2 },
  { field: 'createdAt', offset: 8, size: 8 },
  { field: 'freshUntil', offset: 16, size: 8 },
  { field: 'staleUntil', offset: 24, size: 8 },
  { field: 'payloadLength', offset: 32, size: 4 },
  { field: 'rawLength', offset: 36, size: 4 },
  { field: 'keyHash', offset: 40, size: 8 },
  { field: 'checksum', offset: 48, size: 8 },
]);

/** Offset of the key binding in a version 2 header. */
const KEY_HASH_OFFSET = 40;
/** Offset of the checksum in a version 2 header (it covers everything before and after it). */
const CHECKSUM_OFFSET = 48;

/**
 * Why {@link EntryCodec.decode} rejected bytes (`SerializationError.context.reason`):
 * - `foreign`: not an envelope (wrong magic);
 * - `version`: an envelope from an unknown format version, or using a codec or flag this
 *   version does not support (e.g. encrypted);
 * - `truncated`: shorter than the header or than the declared payload;
 * - `corrupt`: inconsistent header (reserved bytes set, trailing bytes, flags contradicting the
 *   codec, raw length differing from an uncompressed payload's length, NaN timestamps);
 * - `checksum`: the checksum does not match the header and payload (a bit flip, a splice);
 * - `key`: a sound entry, but written for another full key (copied or moved from another key);
 * - `decompress`: the payload cannot be decompressed to its declared length (or declares more
 *   than 512 MiB);
 * - `deserialize`: the serializer rejected the payload.
 */
export type DecodeFailureReason =
  | 'foreign'
  | 'version'
  | 'truncated'
  | 'corrupt'
  | 'checksum'
  | 'key'
  | 'decompress'
  | 'deserialize';

const MAGIC_0 = 0xa7;
const MAGIC_1 = 0xc1;
export const FLAG_COMPRESSED = 0b001;
const FLAG_ENCRYPTED = 0b010;
export const FLAG_STREAM = 0b100;
const FLAG_TAGGED = 0b1000;
const KNOWN_FLAGS = FLAG_COMPRESSED | FLAG_ENCRYPTED | FLAG_STREAM | FLAG_TAGGED;
/** Largest tags section (its length is a uint16 in header bytes 6-7). */
const MAX_TAGS_BYTES = 0xffff;

/**
 * How the cache reports an entry it cannot serve (the `reason` of its `error` event):
 * `'foreign-entry'` for bytes that are not an envelope of this format, or a sound envelope
 * written for another key; `'corrupt-entry'` for everything else (checksum, lengths, header,
 * decompression, deserialization).
 */
export function entryFailure(error: unknown): 'corrupt-entry' | 'foreign-entry' {
  const reason = error instanceof SerializationError ? error.context.reason : undefined;
  return reason === 'foreign' || reason === 'version' || reason === 'key' ? 'foreign-entry' : 'corrupt-entry';
}

export function fail(reason: DecodeFailureReason, message: string, cause?: unknown): SerializationError {
  return new SerializationError(`Cannot decode cache entry: ${message}`, {
    context: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Header fields after validation. */
export interface Header {
  /** Format version (1 or 2). */
  version: number;
  /** Size of the fixed header of that version (where the tags section starts). */
  headerBytes: number;
  codecId: number;
  flags: number;
  createdAt: number;
  freshUntil: number;
  staleUntil: number;
  payloadLength: number;
  rawLength: number;
  /** Length of the tags section between header and payload (0 when untagged). */
  tagsLength: number;
}

/**
 * Validates the header of `bytes` (and that the envelope length matches it); does not check the
 * checksum or the key binding (see {@link verify}).
 * Returns the header, or the failure (never throws: readMeta relies on it).
 */
export function parseHeader(bytes: Uint8Array): Header | SerializationError {
  const length = bytes.length;
  if (length < 2) {
    return length === 1 && bytes[0] === MAGIC_0
      ? fail('truncated', `envelope is ${length} bytes long`)
      : fail('foreign', 'not an ai-response-cache envelope');
  }
  if (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1)
    return fail('foreign', 'not an ai-response-cache envelope');
  if (length < 3) return fail('truncated', `envelope is ${length} bytes long, shorter than its header`);
  const version = bytes[2]!;
  if (version !== ENVELOPE_FORMAT_VERSION && version !== 1)
    return fail('version', `unknown envelope format version ${version}`);
  const headerBytes = version === 1 ? ENVELOPE_V1_HEADER_BYTES : ENVELOPE_HEADER_BYTES;
  if (length < headerBytes) {
    return fail('truncated', `envelope is ${length} bytes long, shorter than its header`);
  }
  const codecId = bytes[3]!;
  if (compressorForId(codecId) === undefined) return fail('version', `unknown codec id ${codecId}`);
  const flags = bytes[4]!;
  if ((flags & ~KNOWN_FLAGS) !== 0) return fail('version', `unknown flags 0x${flags.toString(16)}`);
  if ((flags & FLAG_ENCRYPTED) !== 0) return fail('version', 'encrypted entries are not supported');
  if (((flags & FLAG_COMPRESSED) !== 0) !== (codecId !== CodecIds.none)) {
    return fail('corrupt', `compressed flag contradicts codec id ${codecId}`);
  }
  const tagged = (flags & FLAG_TAGGED) !== 0;
  if (bytes[5] !== 0 || (!tagged && (bytes[6] !== 0 || bytes[7] !== 0)))
    return fail('corrupt', 'reserved header bytes are set');
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const tagsLength = tagged ? view.getUint16(6, true) : 0;
  if (tagged && tagsLength === 0) return fail('corrupt', 'tagged entry with an empty tags section');
  const createdAt = view.getFloat64(8, true);
  const freshUntil = view.getFloat64(16, true);
  const staleUntil = view.getFloat64(24, true);
  if (Number.isNaN(createdAt) || Number.isNaN(freshUntil) || Number.isNaN(staleUntil)) {
    return fail('corrupt', 'timestamps are not numbers');
  }
  const payloadLength = view.getUint32(32, true);
  const rawLength = view.getUint32(36, true);
  const expected = headerBytes + tagsLength + payloadLength;
  if (length < expected)
    return fail('truncated', `envelope is ${length} bytes long, header declares ${expected}`);
  if (length > expected)
    return fail('corrupt', `envelope is ${length} bytes long, header declares ${expected}`);
  if (codecId === CodecIds.none && rawLength !== payloadLength) {
    return fail('corrupt', 'raw length differs from the length of an uncompressed payload');
  }
  return {
    version,
    headerBytes,
    codecId,
    flags,
    createdAt,
    freshUntil,
    staleUntil,
    payloadLength,
    rawLength,
    tagsLength,
  };
}

/** The byte hasher, loaded by {@link EntryCodec.ready}. */
function byteHasher(): ByteHasher {
  const hasher = byteHasherSync();
  if (hasher === undefined) {
    throw new ConfigurationError(
      'The entry codec is not ready: await codec.ready() before the first encode or decode',
    );
  }
  return hasher;
}

/** The checksum of a version 2 envelope: XXH64 of bytes 56..end seeded with XXH64 of bytes 0..47. */
function checksumOf(hasher: ByteHasher, bytes: Uint8Array): bigint {
  return hasher.h64Raw(
    bytes.subarray(ENVELOPE_HEADER_BYTES),
    hasher.h64Raw(bytes.subarray(0, CHECKSUM_OFFSET)),
  );
}

/** Checks the checksum and key binding of a parsed version 2 envelope (v1 has neither). */
export function verify(bytes: Uint8Array, header: Header, key: string): SerializationError | undefined {
  if (header.version === 1) return undefined;
  const hasher = byteHasher();
  const view = new DataView(bytes.buffer, bytes.byteOffset, ENVELOPE_HEADER_BYTES);
  if (view.getBigUint64(CHECKSUM_OFFSET, true) !== checksumOf(hasher, bytes)) {
    return fail('checksum', 'checksum mismatch');
  }
  if (view.getBigUint64(KEY_HASH_OFFSET, true) !== hasher.h64(key)) {
    return fail('key', 'the entry was written for another key');
  }
  return undefined;
}

/** Writes the key binding, then the checksum (which covers it) into a complete v2 envelope. */
export function seal(out: Uint8Array, key: string): void {
  const hasher = byteHasher();
  const view = new DataView(out.buffer, out.byteOffset, ENVELOPE_HEADER_BYTES);
  view.setBigUint64(KEY_HASH_OFFSET, hasher.h64(key), true);
  view.setBigUint64(CHECKSUM_OFFSET, checksumOf(hasher, out), true);
}

/** Encodes tags for the tags section (a JSON array of strings), or `undefined` when there are none. */
export function encodeTags(tags: readonly string[] | undefined): Uint8Array | undefined {
  if (tags === undefined || tags.length === 0) return undefined;
  const bytes = utf8Encoder.encode(JSON.stringify(tags));
  if (bytes.length > MAX_TAGS_BYTES) {
    throw new ValidationError('Too many or too long tags', [
      {
        path: 'tags',
        message: `the tags take ${bytes.length} bytes; at most ${MAX_TAGS_BYTES} fit in an entry`,
      },
    ]);
  }
  return bytes;
}

/** Reads the tags section; throws a `corrupt` SerializationError when it is not an array of strings. */
export function decodeTags(bytes: Uint8Array, header: Header): string[] | undefined {
  if (header.tagsLength === 0) return undefined;
  let tags: unknown;
  try {
    tags = JSON.parse(
      tagsDecoder.decode(bytes.subarray(header.headerBytes, header.headerBytes + header.tagsLength)),
    );
  } catch (error) {
    throw fail('corrupt', 'tags section is not valid JSON', error);
  }
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) {
    throw fail('corrupt', 'tags section is not an array of strings');
  }
  return tags;
}

const tagsDecoder = new TextDecoder('utf-8', { fatal: true });

export function writeHeader(
  out: Uint8Array,
  codecId: number,
  meta: EntryMeta,
  compressed: boolean,
  payloadLength: number,
  rawLength: number,
  tags: Uint8Array | undefined,
): void {
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[2] = ENVELOPE_FORMAT_VERSION;
  out[3] = codecId;
  out[4] =
    (compressed ? FLAG_COMPRESSED : 0) | (meta.stream === true ? FLAG_STREAM : 0) | (tags ? FLAG_TAGGED : 0);
  // byte 5 is already 0 (fresh buffer); bytes 6-7 hold the tags section length when tagged
  const view = new DataView(out.buffer, out.byteOffset, ENVELOPE_HEADER_BYTES);
  if (tags) {
    view.setUint16(6, tags.length, true);
    out.set(tags, ENVELOPE_HEADER_BYTES);
  }
  view.setFloat64(8, meta.createdAt, true);
  view.setFloat64(16, meta.freshUntil, true);
  view.setFloat64(24, meta.staleUntil, true);
  view.setUint32(32, payloadLength, true);
  view.setUint32(36, rawLength, true);
}
