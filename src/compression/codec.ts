/**
 * The entry codec: value -> serializer -> [compress] -> envelope, and back. The stored format
 * (the envelope: header layout, checksum, key binding, tags) is documented and implemented in
 * ./envelope.ts.
 *
 * Payloads whose serialized length is at least `threshold` are compressed with the configured
 * codec, but stay compressed only when that actually saves bytes; otherwise they are stored raw
 * with codec id 0 and the compressed flag cleared.
 *
 * @module
 */

import { ConfigurationError, SerializationError, ValidationError, type ValidationIssue } from '../errors.js';
import { loadByteHasher } from '../keys/hash.js';
import { CodecIds, compressorFor, compressorForId, DEFAULT_DEFLATE_LEVEL } from './compressors.js';
import {
  decodeTags,
  ENVELOPE_HEADER_BYTES,
  encodeTags,
  FLAG_STREAM,
  fail,
  parseHeader,
  seal,
  verify,
  writeHeader,
} from './envelope.js';
import {
  ASYNC_COMPRESSION_BYTES,
  checkLength,
  compresses,
  envelope,
  envelopeOffLoop,
  textOffLoop,
} from './framing.js';
import { jsonSerializer, toJsonText, utf8Encoder } from './serializer.js';
import type {
  CodecOptions,
  CompressionCodec,
  DecodedEntry,
  EncodedEntry,
  EntryCodec,
  EntryMeta,
  Serializer,
} from './types.js';

/** Default compression threshold in serialized bytes. */
export const DEFAULT_COMPRESSION_THRESHOLD = 1024;

const CODECS: readonly CompressionCodec[] = ['lz4', 'deflate', 'none'];

function validateOptions(options: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (options === undefined) return issues;
  if (options === null || typeof options !== 'object') {
    issues.push({ path: '', message: 'codec options must be an object' });
    return issues;
  }
  const { serializer, codec, threshold, level } = options as Record<string, unknown>;
  if (codec !== undefined && !CODECS.includes(codec as CompressionCodec)) {
    issues.push({ path: 'codec', message: `must be one of ${CODECS.map((c) => `'${c}'`).join(', ')}` });
  }
  if (
    threshold !== undefined &&
    !(typeof threshold === 'number' && Number.isInteger(threshold) && threshold >= 0)
  ) {
    issues.push({ path: 'threshold', message: 'must be a non-negative integer (bytes)' });
  }
  if (
    level !== undefined &&
    !(typeof level === 'number' && Number.isInteger(level) && level >= 1 && level <= 9)
  ) {
    issues.push({ path: 'level', message: 'must be an integer from 1 to 9' });
  }
  if (serializer !== undefined) {
    const s = serializer as Partial<Serializer> | null;
    if (
      s === null ||
      typeof s !== 'object' ||
      typeof s.serialize !== 'function' ||
      typeof s.deserialize !== 'function'
    ) {
      issues.push({
        path: 'serializer',
        message: 'must be an object with serialize() and deserialize() methods',
      });
    }
  }
  return issues;
}

function isTimestamp(value: unknown): boolean {
  return typeof value === 'number' && !Number.isNaN(value);
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string') {
    throw new ValidationError('Invalid entry key', [
      { path: 'key', message: 'must be the full key the entry is stored under (a string)' },
    ]);
  }
}

/** Allocation-free on the happy path (encode is hot). */
function checkMeta(meta: EntryMeta): void {
  if (isTimestamp(meta?.createdAt) && isTimestamp(meta?.freshUntil) && isTimestamp(meta?.staleUntil)) return;
  const issues: ValidationIssue[] = [];
  for (const field of ['createdAt', 'freshUntil', 'staleUntil'] as const) {
    if (!isTimestamp(meta?.[field]))
      issues.push({ path: field, message: 'must be a number (epoch ms), not NaN' });
  }
  throw new ValidationError('Invalid entry metadata', issues);
}

/**
 * Creates an {@link EntryCodec}.
 *
 * Defaults: JSON serializer, lz4, threshold 1024 bytes, deflate level 6.
 *
 * @example
 * ```ts
 * const codec = createEntryCodec({ codec: 'lz4', threshold: 1024 });
 * await codec.ready(); // loads xxhash (checksums) once per process
 * const meta = { createdAt: now, freshUntil: now + 60_000, staleUntil: now + 120_000 };
 * const { bytes } = codec.encode({ answer: 42 }, meta, 'app::answer');
 * const entry = codec.decode<{ answer: number }>(bytes, 'app::answer'); // entry.value.answer === 42
 * codec.decode(bytes, 'app::other'); // throws SerializationError, reason 'key'
 * ```
 *
 * Besides the {@link SerializationError}s documented on {@link EntryCodec}, `encode` throws a
 * {@link ValidationError} when `meta` holds a timestamp that is not a number (or NaN) or `key`
 * is not a string: that is a programming error, and such an envelope could never be decoded.
 * `encode`, `decode` and `readMeta` throw a {@link ConfigurationError} when called before
 * `ready()` resolved (anywhere in the process).
 *
 * @throws {ValidationError} listing every invalid option.
 */
export function createEntryCodec(options?: CodecOptions): EntryCodec {
  const issues = validateOptions(options);
  if (issues.length > 0) throw new ValidationError('Invalid codec options', issues);
  const serializer = options?.serializer ?? jsonSerializer;
  const threshold = options?.threshold ?? DEFAULT_COMPRESSION_THRESHOLD;
  const compressor = compressorFor(options?.codec ?? 'lz4', options?.level ?? DEFAULT_DEFLATE_LEVEL);
  const fastJson = serializer === jsonSerializer;
  const neverCompress = compressor.id === CodecIds.none;

  function serialize(value: unknown): Uint8Array {
    try {
      return serializer.serialize(value);
    } catch (error) {
      if (error instanceof SerializationError) throw error;
      throw new SerializationError(`Serializer '${serializer.name}' failed`, {
        context: { reason: 'serialize', serializer: serializer.name },
        cause: error,
      });
    }
  }

  function deserialize(serialized: Uint8Array): unknown {
    try {
      return serializer.deserialize(serialized);
    } catch (error) {
      if (error instanceof SerializationError && error.context.reason === 'deserialize') throw error;
      throw fail('deserialize', `serializer '${serializer.name}' rejected the payload`, error);
    }
  }

  /**
   * Zero-copy path: JSON text that is entirely ASCII has as many UTF-8 bytes as UTF-16 units, so
   * it can be encoded straight into the envelope. Only taken when the payload will be stored raw
   * (below the threshold, or no compression configured); `undefined` otherwise.
   */
  function rawAscii(
    text: string,
    meta: EntryMeta,
    key: string,
    tags: Uint8Array | undefined,
  ): EncodedEntry | undefined {
    if (!neverCompress && text.length >= threshold) return undefined;
    const start = ENVELOPE_HEADER_BYTES + (tags?.length ?? 0);
    const out = new Uint8Array(start + text.length);
    const payload = out.subarray(start);
    if (utf8Encoder.encodeInto(text, payload).read !== text.length) return undefined;
    writeHeader(out, CodecIds.none, meta, false, text.length, text.length, tags);
    seal(out, key);
    return { bytes: out, serialized: payload, rawBytes: text.length, compressed: false };
  }

  return {
    ready: async (): Promise<void> => {
      await loadByteHasher();
    },

    encode(value: unknown, meta: EntryMeta, key: string): EncodedEntry {
      checkMeta(meta);
      checkKey(key);
      const tags = encodeTags(meta.tags);
      if (!fastJson) return envelope(serialize(value), meta, key, compressor, threshold, tags);
      const text = toJsonText(value);
      return (
        rawAscii(text, meta, key, tags) ??
        envelope(utf8Encoder.encode(text), meta, key, compressor, threshold, tags)
      );
    },

    encodeAsync(value: unknown, meta: EntryMeta, key: string): Promise<EncodedEntry> {
      try {
        checkMeta(meta);
        checkKey(key);
        const tags = encodeTags(meta.tags);
        let serialized: Uint8Array;
        if (fastJson) {
          const text = toJsonText(value);
          const raw = rawAscii(text, meta, key, tags);
          if (raw) return Promise.resolve(raw);
          // text.length is at most its UTF-8 length: both bounds hold for the bytes too.
          const compressText = compressor.compressTextAsync;
          if (compressText && text.length >= ASYNC_COMPRESSION_BYTES && text.length >= threshold)
            return textOffLoop(text, meta, key, compressor, compressText, tags);
          serialized = utf8Encoder.encode(text);
        } else {
          serialized = serialize(value);
        }
        checkLength(serialized.length);
        const compressAsync = compressor.compressAsync;
        if (
          compressAsync === undefined ||
          serialized.length < ASYNC_COMPRESSION_BYTES ||
          !compresses(compressor, serialized.length, threshold)
        ) {
          return Promise.resolve(envelope(serialized, meta, key, compressor, threshold, tags));
        }
        return envelopeOffLoop(serialized, meta, key, compressor, compressAsync, tags);
      } catch (error) {
        return Promise.reject(error);
      }
    },

    decode<T = unknown>(bytes: Uint8Array, key: string): DecodedEntry<T> {
      if (!(bytes instanceof Uint8Array)) throw fail('foreign', 'input is not a Uint8Array');
      const header = parseHeader(bytes);
      if (header instanceof SerializationError) throw header;
      const rejected = verify(bytes, header, key);
      if (rejected) throw rejected;
      const compressed = header.codecId !== CodecIds.none;
      const tags = decodeTags(bytes, header);
      let serialized = bytes.subarray(header.headerBytes + header.tagsLength);
      if (compressed) {
        // compressorForId cannot be undefined here: parseHeader checked the id.
        const decompressor = compressorForId(header.codecId)!;
        try {
          serialized = decompressor.decompress(serialized, header.rawLength);
        } catch (error) {
          if (error instanceof SerializationError) throw error;
          throw fail('decompress', `${decompressor.name} payload cannot be decompressed`, error);
        }
      }
      const entry: DecodedEntry<T> = {
        value: deserialize(serialized) as T,
        createdAt: header.createdAt,
        freshUntil: header.freshUntil,
        staleUntil: header.staleUntil,
        stream: (header.flags & FLAG_STREAM) !== 0,
        compressed,
        bytes: bytes.length,
        rawBytes: header.rawLength,
        version: header.version,
      };
      if (tags) entry.tags = tags;
      return entry;
    },

    readMeta(bytes: Uint8Array, key: string): EntryMeta | undefined {
      if (!(bytes instanceof Uint8Array)) return undefined;
      const header = parseHeader(bytes);
      if (header instanceof SerializationError || verify(bytes, header, key) !== undefined) return undefined;
      let tags: string[] | undefined;
      try {
        tags = decodeTags(bytes, header);
      } catch {
        return undefined;
      }
      return {
        createdAt: header.createdAt,
        freshUntil: header.freshUntil,
        staleUntil: header.staleUntil,
        stream: (header.flags & FLAG_STREAM) !== 0,
        ...(tags ? { tags } : {}),
      };
    },

    deserialize,
  };
}
