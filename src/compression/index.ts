/**
 * The entry codec: serialize -> compress (threshold) -> envelope.
 *
 * @module
 */

export { createEntryCodec, DEFAULT_COMPRESSION_THRESHOLD } from './codec.js';
export {
  type DecodeFailureReason,
  ENVELOPE_FORMAT_VERSION,
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_LAYOUT,
  ENVELOPE_V1_HEADER_BYTES,
} from './envelope.js';
export { jsonSerializer } from './serializer.js';
export type {
  CodecOptions,
  CompressionCodec,
  DecodedEntry,
  EncodedEntry,
  EntryCodec,
  EntryMeta,
  Serializer,
} from './types.js';
