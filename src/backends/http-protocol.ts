/**
 * The wire format of the {@link HttpBackend} REST protocol, shared by the client and the
 * reference server (`createHttpBackendServer` in `ai-response-cache/testing`).
 *
 * | Request | Body | Answer |
 * | --- | --- | --- |
 * | `GET /v1/entries/:key` | - | `200` the bytes, `404` missing |
 * | `HEAD /v1/entries/:key` | - | `200` present, `404` missing |
 * | `PUT /v1/entries/:key` + `X-TTL-Ms` | the bytes | `204` |
 * | `DELETE /v1/entries/:key` | - | `204` removed, `404` was not there |
 * | `POST /v1/clear?prefix=` | - | `204` |
 * | `GET /v1/keys?prefix=&cursor=&limit=` | - | `200` `{ "keys": [...], "cursor": "..." \| null }` |
 * | `POST /v1/get-many` | `{ "keys": [...] }` | `200` frames (see {@link encodeValueFrames}) |
 * | `POST /v1/set-many` | frames (see {@link encodeEntryFrames}) | `204` |
 *
 * Keys are URL-encoded path segments (`encodeURIComponent`); bytes travel as
 * `application/octet-stream`, never as base64.
 *
 * @module
 */
import { ValidationError } from '../errors.js';
import type { BackendEntry } from './types.js';

/** The path prefix of every route of the protocol. */
export const HTTP_BACKEND_BASE_PATH = '/v1';

/** The request header carrying a `PUT`'s physical TTL, in whole milliseconds. */
export const TTL_HEADER = 'x-ttl-ms';

/** The length marker of a missing value in {@link encodeValueFrames}. */
const MISSING = 0xffff_ffff;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The path of one entry: `/v1/entries/<encodeURIComponent(key)>`.
 *
 * @throws {ValidationError} for the keys `.` and `..` (URLs treat them as dot segments, so they
 *   cannot be one; a `Cache` never produces them, its keys start with `prefix:`) and for a key
 *   with a lone surrogate.
 */
export function entryPath(key: string): string {
  if (key === '.' || key === '..' || /[\uD800-\uDFFF]/u.test(key)) {
    throw new ValidationError('Invalid HttpBackend key', [
      { path: 'key', message: 'must not be "." or ".." nor contain a lone surrogate' },
    ]);
  }
  return `${HTTP_BACKEND_BASE_PATH}/entries/${encodeURIComponent(key)}`;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

/**
 * The body of a `get-many` answer: for each requested key, in order, a big-endian `uint32`
 * length followed by that many bytes; `0xFFFFFFFF` (and no bytes) for a missing key.
 */
export function encodeValueFrames(values: readonly (Uint8Array | undefined)[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const value of values) {
    parts.push(u32(value === undefined ? MISSING : value.byteLength));
    total += 4;
    if (value !== undefined) {
      parts.push(value);
      total += value.byteLength;
    }
  }
  return concat(parts, total);
}

/** A reader over a frame body that throws a `RangeError` on truncated input. */
class FrameReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.#offset >= this.#bytes.byteLength;
  }

  #need(n: number): void {
    if (this.#offset + n > this.#bytes.byteLength) throw new RangeError('truncated frame body');
  }

  u32(): number {
    this.#need(4);
    const value = this.#view.getUint32(this.#offset);
    this.#offset += 4;
    return value;
  }

  f64(): number {
    this.#need(8);
    const value = this.#view.getFloat64(this.#offset);
    this.#offset += 8;
    return value;
  }

  bytes(n: number): Uint8Array {
    this.#need(n);
    const out = this.#bytes.slice(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }
}

/**
 * Decodes the body of a `get-many` answer (see {@link encodeValueFrames}).
 *
 * @throws {RangeError} when the body is truncated or does not hold exactly `count` values.
 */
export function decodeValueFrames(body: Uint8Array, count: number): (Uint8Array | undefined)[] {
  const reader = new FrameReader(body);
  const values: (Uint8Array | undefined)[] = [];
  for (let i = 0; i < count; i++) {
    const length = reader.u32();
    values.push(length === MISSING ? undefined : reader.bytes(length));
  }
  if (!reader.done) throw new RangeError('unexpected bytes after the last frame');
  return values;
}

/**
 * The body of a `set-many` request: for each entry a big-endian `uint32` key length, the key
 * in UTF-8, the TTL in milliseconds as a big-endian `float64`, a `uint32` value length and the
 * value's bytes.
 */
export function encodeEntryFrames(entries: readonly BackendEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const entry of entries) {
    const key = encoder.encode(entry.key);
    const ttl = new Uint8Array(8);
    new DataView(ttl.buffer).setFloat64(0, entry.ttlMs);
    parts.push(u32(key.byteLength), key, ttl, u32(entry.value.byteLength), entry.value);
    total += 4 + key.byteLength + 8 + 4 + entry.value.byteLength;
  }
  return concat(parts, total);
}

/**
 * Decodes the body of a `set-many` request (see {@link encodeEntryFrames}).
 *
 * @throws {RangeError} when the body is truncated; {@link TypeError} when a key is not UTF-8.
 */
export function decodeEntryFrames(body: Uint8Array): BackendEntry[] {
  const reader = new FrameReader(body);
  const entries: BackendEntry[] = [];
  while (!reader.done) {
    const key = decoder.decode(reader.bytes(reader.u32()));
    const ttlMs = reader.f64();
    const value = reader.bytes(reader.u32());
    entries.push({ key, value, ttlMs });
  }
  return entries;
}

/** The JSON answer of `GET /v1/keys`: one page of keys and the cursor of the next (`null` at the end). */
export interface KeysPage {
  keys: string[];
  cursor: string | null;
}
