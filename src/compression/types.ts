/**
 * Types of the entry codec: value -> serializer -> [compress] -> envelope.
 *
 * @module
 */

/** Turns values into bytes and back. The default is JSON (UTF-8). */
export interface Serializer {
  /** Short identifier, for diagnostics. */
  readonly name: string;
  /** @throws when the value cannot be serialized. */
  serialize(value: unknown): Uint8Array;
  /** @throws when the bytes are not a valid serialization. */
  deserialize(bytes: Uint8Array): unknown;
}

/** Compression algorithms. `'none'` stores payloads raw. */
export type CompressionCodec = 'lz4' | 'deflate' | 'none';

/** Options of the entry codec. */
export interface CodecOptions {
  /** Serializer. @default JSON */
  serializer?: Serializer;
  /** Compression algorithm for payloads at or above `threshold`. @default 'lz4' */
  codec?: CompressionCodec;
  /** Payloads of at least this many serialized bytes are compressed. @default 1024 */
  threshold?: number;
  /** Deflate level 1-9 (only for `codec: 'deflate'`). @default 6 */
  level?: number;
}

/** Freshness metadata stored in every envelope header (epoch milliseconds). */
export interface EntryMeta {
  /** When the entry was written. */
  createdAt: number;
  /** Until when the entry is fresh (logical TTL). */
  freshUntil: number;
  /** Until when the entry may still be served stale (grace); the physical expiry. */
  staleUntil: number;
  /** The payload is a recorded stream (e.g. SSE chunks). */
  stream?: boolean;
  /** Tags of the entry (stored in a section between header and payload). */
  tags?: readonly string[];
}

/** Result of {@link EntryCodec.encode}. */
export interface EncodedEntry {
  /** The complete envelope, ready for a backend. */
  bytes: Uint8Array;
  /**
   * The serialized (uncompressed) payload. Of a payload compressed straight from its JSON text
   * (see {@link EntryCodec.encodeAsync}) it is encoded when first read.
   */
  readonly serialized: Uint8Array;
  /** Length of the serialized payload in bytes. */
  rawBytes: number;
  /** Whether the payload was compressed. */
  compressed: boolean;
}

/** Result of {@link EntryCodec.decode}. */
export interface DecodedEntry<T = unknown> extends EntryMeta {
  value: T;
  /** Whether the payload had been compressed. */
  compressed: boolean;
  /** Size of the envelope in bytes. */
  bytes: number;
  /** Size of the serialized (uncompressed) value in bytes. */
  rawBytes: number;
  /** Envelope format version the entry was written in (1: no checksum nor key binding). */
  version: number;
}

/**
 * Encodes values into self-describing envelopes bound to the full key they are stored under,
 * and back.
 */
export interface EntryCodec {
  /**
   * Loads the hash function of the checksums (xxhash-wasm, once per process). Await it once
   * before the first `encode` / `decode` / `readMeta`; `Cache` does it for you.
   */
  ready(): Promise<void>;
  /**
   * Encodes `value` into an envelope for the full key `key` (a checksum over header and payload
   * and a hash of `key` are part of the header).
   *
   * @throws {SerializationError} when the value cannot be serialized.
   */
  encode(value: unknown, meta: EntryMeta, key: string): EncodedEntry;
  /**
   * {@link EntryCodec.encode}, to the same bytes, with the compression of large payloads
   * (from 8 KiB serialized) done on a libuv worker thread instead of the event loop (with lz4,
   * straight from the JSON text: its UTF-8 bytes are made there too). Rejects where `encode`
   * throws.
   */
  encodeAsync(value: unknown, meta: EntryMeta, key: string): Promise<EncodedEntry>;
  /**
   * Decodes an envelope read from under the full key `key`.
   *
   * @throws {SerializationError} for truncated, extended, foreign or corrupted bytes, or bytes
   *   written for another key (never anything else; see `DecodeFailureReason`).
   */
  decode<T = unknown>(bytes: Uint8Array, key: string): DecodedEntry<T>;
  /** Reads only the header (checksum and key binding checked); `undefined` when the bytes are not a valid envelope for `key`. */
  readMeta(bytes: Uint8Array, key: string): EntryMeta | undefined;
  /** Deserializes a serialized payload (used for the L1 copy of a written value). */
  deserialize(serialized: Uint8Array): unknown;
}
