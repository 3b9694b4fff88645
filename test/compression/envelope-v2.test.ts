import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { entryFailure } from '../../src/compression/envelope.js';
import {
  type CompressionCodec,
  createEntryCodec,
  ENVELOPE_FORMAT_VERSION,
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_V1_HEADER_BYTES,
  type EntryMeta,
} from '../../src/compression/index.js';
import { SerializationError } from '../../src/errors.js';

interface V1Fixture {
  name: string;
  codec: CompressionCodec;
  compressed: boolean;
  value: unknown;
  meta: EntryMeta;
  hex: string;
}

/** Entries written by the version-1 encoder of release 0.1.0, before this format change. */
const V1: V1Fixture[] = JSON.parse(
  readFileSync(new URL('./fixtures/v1-entries.json', import.meta.url), 'utf8'),
).entries;

const meta: EntryMeta = {
  createdAt: 1_700_000_000_000,
  freshUntil: 1_700_000_060_000,
  staleUntil: 1_700_000_120_000,
};

beforeAll(async () => {
  await createEntryCodec().ready();
});

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SerializationError);
    return String((error as SerializationError).context.reason);
  }
  throw new Error('expected a SerializationError');
}

describe('version 1 entries (written by 0.1.0) still decode', () => {
  it('has real v1 bytes in the fixture', () => {
    expect(V1.length).toBeGreaterThanOrEqual(7);
    expect(V1.some((e) => e.compressed)).toBe(true);
    for (const entry of V1) expect(Buffer.from(entry.hex, 'hex')[2]).toBe(1);
  });

  for (const entry of V1) {
    it(`decodes the v1 "${entry.name}" entry with every codec configuration`, () => {
      const bytes = new Uint8Array(Buffer.from(entry.hex, 'hex'));
      for (const codec of ['lz4', 'deflate', 'none'] as const) {
        const decoded = createEntryCodec({ codec }).decode(bytes, 'any::key');
        expect(decoded.value).toEqual(entry.value);
        expect(decoded.version).toBe(1);
        expect(decoded.compressed).toBe(entry.compressed);
        expect(decoded.createdAt).toBe(entry.meta.createdAt);
        expect(decoded.freshUntil).toBe(entry.meta.freshUntil);
        expect(decoded.staleUntil).toBe(entry.meta.staleUntil);
        expect(decoded.stream).toBe(entry.meta.stream ?? false);
        expect(decoded.tags).toEqual(entry.meta.tags);
        expect(createEntryCodec({ codec }).readMeta(bytes, 'any::key')?.freshUntil).toBe(
          entry.meta.freshUntil,
        );
      }
    });
  }

  it('v1 decoding stays strict: a v1 entry with a changed length or reserved byte is rejected', () => {
    const codec = createEntryCodec();
    const bytes = new Uint8Array(Buffer.from(V1[0]!.hex, 'hex'));
    expect(reasonOf(() => codec.decode(bytes.subarray(0, bytes.length - 1), 'k'))).toBe('truncated');
    expect(reasonOf(() => codec.decode(Buffer.concat([bytes, Buffer.from([0x20])]), 'k'))).toBe('corrupt');
    const reserved = Uint8Array.from(bytes);
    reserved[5] = 1;
    expect(reasonOf(() => codec.decode(reserved, 'k'))).toBe('corrupt');
  });
});

describe('envelope version 2', () => {
  const codecs = ['lz4', 'deflate', 'none'] as const;
  const small = { answer: 42, text: 'hello' };
  const large = { text: 'The cache answers the same question again and again. '.repeat(1000) };

  it('writes version 2 with a 56-byte header; v1 was 40', () => {
    expect(ENVELOPE_FORMAT_VERSION).toBe(2);
    expect(ENVELOPE_HEADER_BYTES).toBe(56);
    expect(ENVELOPE_V1_HEADER_BYTES).toBe(40);
    const { bytes } = createEntryCodec().encode(small, meta, 'k');
    expect(bytes[2]).toBe(2);
    expect(createEntryCodec().decode(bytes, 'k').version).toBe(2);
  });

  for (const c of codecs) {
    it(`rejects every single-bit flip, truncation and extension (${c})`, () => {
      const codec = createEntryCodec({ codec: c, threshold: 0 });
      for (const value of [small, large]) {
        const { bytes } = codec.encode(value, { ...meta, tags: ['t1'] }, 'app:ns::key');
        // Every bit of the header and tags, and a sample of the payload.
        const positions = Array.from({ length: Math.min(bytes.length, 200) }, (_, i) => i);
        for (let i = 200; i < bytes.length; i += 499) positions.push(i);
        for (const i of positions) {
          for (let bit = 0; bit < 8; bit++) {
            const copy = Uint8Array.from(bytes);
            copy[i] = copy[i]! ^ (1 << bit);
            expect(() => codec.decode(copy, 'app:ns::key')).toThrow(SerializationError);
            expect(codec.readMeta(copy, 'app:ns::key')).toBeUndefined();
          }
        }
        for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 50))) {
          expect(() => codec.decode(bytes.subarray(0, cut), 'app:ns::key')).toThrow(SerializationError);
        }
        expect(() => codec.decode(Buffer.concat([bytes, Buffer.from([0])]), 'app:ns::key')).toThrow(
          SerializationError,
        );
      }
    });
  }

  it('binds the entry to its full key: another key never decodes it', () => {
    const codec = createEntryCodec();
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        const { bytes } = codec.encode({ v: a }, meta, a);
        expect(codec.decode(bytes, a).value).toEqual({ v: a });
        expect(reasonOf(() => codec.decode(bytes, b))).toBe('key');
        expect(codec.readMeta(bytes, b)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('no change of the version byte turns a v2 entry into one that decodes', () => {
    const codec = createEntryCodec({ threshold: 0 });
    for (const value of [small, large]) {
      const { bytes } = codec.encode(value, meta, 'k');
      for (let version = 0; version < 256; version++) {
        if (version === 2) continue;
        const copy = Uint8Array.from(bytes);
        copy[2] = version;
        expect(reasonOf(() => codec.decode(copy, 'k'))).toMatch(/^(version|corrupt)$/);
      }
    }
  });

  it('checks the checksum before decompressing (a corrupt lz4 payload is never inflated)', () => {
    const codec = createEntryCodec({ codec: 'lz4', threshold: 0 });
    const { bytes } = codec.encode(large, meta, 'k');
    const copy = Uint8Array.from(bytes);
    copy[ENVELOPE_HEADER_BYTES + 10] = copy[ENVELOPE_HEADER_BYTES + 10]! ^ 0x40;
    expect(reasonOf(() => codec.decode(copy, 'k'))).toBe('checksum');
  });

  it('maps failures to the reason of the cache error event', () => {
    const codec = createEntryCodec();
    const { bytes } = codec.encode(small, meta, 'k');
    const failure = (fn: () => unknown): string => {
      try {
        fn();
      } catch (error) {
        return entryFailure(error);
      }
      return 'none';
    };
    expect(failure(() => codec.decode(bytes, 'other'))).toBe('foreign-entry');
    expect(failure(() => codec.decode(new Uint8Array([1, 2, 3]), 'k'))).toBe('foreign-entry');
    const future = Uint8Array.from(bytes);
    future[2] = 3;
    expect(failure(() => codec.decode(future, 'k'))).toBe('foreign-entry');
    expect(failure(() => codec.decode(bytes.subarray(0, 60), 'k'))).toBe('corrupt-entry');
    const flipped = Uint8Array.from(bytes);
    flipped[bytes.length - 1] = flipped[bytes.length - 1]! ^ 1;
    expect(failure(() => codec.decode(flipped, 'k'))).toBe('corrupt-entry');
  });

  it('rejects a non-string key at encode time', () => {
    expect(() => createEntryCodec().encode(1, meta, undefined as unknown as string)).toThrow(/key/);
  });
});
