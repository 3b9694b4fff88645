import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import xxhash, { type XXHashAPI } from 'xxhash-wasm';
import {
  type CompressionCodec,
  createEntryCodec,
  ENVELOPE_HEADER_BYTES,
  type EntryMeta,
  jsonSerializer,
  type Serializer,
} from '../../src/compression/index.js';
import { SerializationError, ValidationError } from '../../src/errors.js';

/** The full key every entry of these tests is written for (the envelope is bound to it). */
const KEY = 'app::answer';

let xx: XXHashAPI;
beforeAll(async () => {
  await createEntryCodec().ready();
  xx = await xxhash();
});

/**
 * Rewrites the key binding and the checksum of a version 2 envelope after a test patched its
 * header, computed as the README documents them, so the checks behind the checksum are reached.
 */
function reseal(bytes: Uint8Array, key = KEY): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setBigUint64(40, xx.h64(key), true);
  view.setBigUint64(48, xx.h64Raw(bytes.subarray(56), xx.h64Raw(bytes.subarray(0, 48))), true);
  return bytes;
}

const CODECS: readonly CompressionCodec[] = ['lz4', 'deflate', 'none'];
const THRESHOLDS = [0, 1024, Number.MAX_SAFE_INTEGER] as const;
const REASONS = [
  'foreign',
  'version',
  'truncated',
  'corrupt',
  'checksum',
  'key',
  'decompress',
  'deserialize',
];

const meta: EntryMeta = {
  createdAt: 1_700_000_000_000,
  freshUntil: 1_700_000_060_000,
  staleUntil: 1_700_000_120_000,
};

const metaArb: fc.Arbitrary<EntryMeta> = fc.record(
  {
    createdAt: fc.double({ noNaN: true }),
    freshUntil: fc.double({ noNaN: true }),
    staleUntil: fc.double({ noNaN: true }),
    stream: fc.boolean(),
  },
  { requiredKeys: ['createdAt', 'freshUntil', 'staleUntil'] },
);

/** JSON values, repeated so that compression usually pays. */
const compressibleArb = fc
  .tuple(fc.jsonValue({ maxDepth: 3 }), fc.integer({ min: 1, max: 40 }))
  .map(([v, n]) => Array.from({ length: n }, () => v));

/** Runs `fn`; anything thrown must be a SerializationError with a known reason. */
function decodesOrSerializationError(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof SerializationError)) throw new Error(`unexpected error type: ${String(error)}`);
    if (!REASONS.includes(String(error.context.reason))) {
      throw new Error(`unexpected reason ${String(error.context.reason)}`);
    }
  }
}

function reasonOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SerializationError);
    return (error as SerializationError).context.reason;
  }
  throw new Error('expected a SerializationError');
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the a of and to in is that it was for on are as with his they at be this from have or by one had not ' +
  'but what all were when we there can an your which their said if do will each about how up out them then ' +
  'she many some so these would other into has more her two like him see time could no make than first been ' +
  'its who now people my made over did down only way find use may water long little very after words called ' +
  'just where most know model cache response request latency token answer question provider memory network ' +
  'through back much before line right too means old any same tell boy follow came want show also around form ' +
  'three small set put end does another well large must big even such because turned here why asked went men ' +
  'read need land different home us move try kind hand picture again change off play spell air away animal house'
).split(' ');

/** About `size` bytes of varied English-like prose as a JSON chat transcript. */
function prose(size: number, seed = 42): unknown {
  const rnd = mulberry32(seed);
  const messages: { role: string; content: string }[] = [];
  let total = 0;
  while (total < size) {
    const sentences: string[] = [];
    for (let s = 0; s < 3 + Math.floor(rnd() * 5); s++) {
      const words: string[] = [];
      for (let w = 0; w < 6 + Math.floor(rnd() * 14); w++)
        words.push(WORDS[Math.floor(rnd() * WORDS.length)]!);
      const sentence = words.join(' ');
      sentences.push(`${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}${rnd() < 0.2 ? '?' : '.'}`);
    }
    const content = sentences.join(' ');
    messages.push({ role: rnd() < 0.5 ? 'user' : 'assistant', content });
    total += content.length + 32;
  }
  return { model: 'gpt-4o-mini', messages };
}

describe('entry codec roundtrip', () => {
  for (const codec of CODECS) {
    for (const threshold of THRESHOLDS) {
      it(`roundtrips JSON values and meta (codec ${codec}, threshold ${threshold})`, () => {
        const entryCodec = createEntryCodec({ codec, threshold });
        fc.assert(
          fc.property(fc.oneof(fc.jsonValue(), compressibleArb), metaArb, (value, m) => {
            const encoded = entryCodec.encode(value, m, KEY);
            const decoded = entryCodec.decode(encoded.bytes, KEY);
            expect(decoded.value).toEqual(JSON.parse(JSON.stringify(value)));
            expect(decoded.createdAt).toBe(m.createdAt);
            expect(decoded.freshUntil).toBe(m.freshUntil);
            expect(decoded.staleUntil).toBe(m.staleUntil);
            expect(decoded.stream).toBe(m.stream ?? false);
            expect(decoded.compressed).toBe(encoded.compressed);
            expect(decoded.bytes).toBe(encoded.bytes.length);
            expect(entryCodec.readMeta(encoded.bytes, KEY)).toEqual({ ...m, stream: m.stream ?? false });
            expect(entryCodec.deserialize(encoded.serialized)).toEqual(decoded.value);
            if (codec === 'none' || threshold === Number.MAX_SAFE_INTEGER)
              expect(encoded.compressed).toBe(false);
          }),
          { numRuns: 60 },
        );
      });
    }
  }

  it('roundtrips full-unicode strings and lone surrogates', () => {
    const codec = createEntryCodec({ threshold: 64 });
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary', maxDepth: 2 }), (value) => {
        expect(codec.decode(codec.encode(value, meta, KEY).bytes, KEY).value).toEqual(
          JSON.parse(JSON.stringify(value)),
        );
      }),
      { numRuns: 100 },
    );
    for (const s of ['\uD800', 'a\uDFFFb', '日本語'.repeat(500), '🙂'.repeat(10)]) {
      expect(codec.decode(codec.encode({ s }, meta, KEY).bytes, KEY).value).toEqual({ s });
    }
  });

  it('decodes envelopes written by a codec with other options (codec id is in the header)', () => {
    const value = prose(5000);
    const reader = createEntryCodec({ codec: 'none' });
    for (const codec of CODECS) {
      const { bytes } = createEntryCodec({ codec, threshold: 0 }).encode(value, meta, KEY);
      expect(reader.decode(bytes, KEY).value).toEqual(value);
    }
  });

  it('decodes Buffer slices with non-zero (and unaligned) byteOffsets', () => {
    const codec = createEntryCodec({ threshold: 100 });
    for (const value of [{ small: true }, prose(3000)]) {
      const { bytes } = codec.encode(value, { ...meta, stream: true }, KEY);
      for (const offset of [1, 3, 7, 13]) {
        const backing = Buffer.concat([randomBytes(offset), bytes, randomBytes(5)]);
        const slice = backing.subarray(offset, offset + bytes.length);
        expect(slice.byteOffset).toBeGreaterThan(0);
        const decoded = codec.decode(slice, KEY);
        expect(decoded.value).toEqual(value);
        expect(decoded.createdAt).toBe(meta.createdAt);
        expect(decoded.stream).toBe(true);
        expect(codec.readMeta(slice, KEY)).toEqual({ ...meta, stream: true });
      }
    }
  });
});

describe('envelope layout', () => {
  it('writes the documented header', () => {
    const { bytes } = createEntryCodec().encode({ a: 1 }, { ...meta, stream: true }, KEY);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect([...bytes.subarray(0, 8)]).toEqual([0xa7, 0xc1, 2, 0, 0b100, 0, 0, 0]);
    expect(view.getFloat64(8, true)).toBe(meta.createdAt);
    expect(view.getFloat64(16, true)).toBe(meta.freshUntil);
    expect(view.getFloat64(24, true)).toBe(meta.staleUntil);
    expect(view.getUint32(32, true)).toBe(7);
    expect(view.getUint32(36, true)).toBe(7);
    expect(view.getBigUint64(40, true)).toBe(xx.h64(KEY));
    expect(view.getBigUint64(48, true)).toBe(xx.h64Raw(bytes.subarray(56), xx.h64Raw(bytes.subarray(0, 48))));
    expect(ENVELOPE_HEADER_BYTES).toBe(56);
    expect(Buffer.from(bytes.subarray(ENVELOPE_HEADER_BYTES)).toString()).toBe('{"a":1}');
    expect(bytes.length).toBe(ENVELOPE_HEADER_BYTES + 7);
  });

  it('stores payloads below the threshold raw and at or above it compressed', () => {
    const codec = createEntryCodec({ codec: 'lz4', threshold: 1024 });
    const below = codec.encode('x'.repeat(1000), meta, KEY); // 1002 serialized bytes
    expect(below.compressed).toBe(false);
    expect(below.bytes[3]).toBe(0);
    expect(below.bytes[4]! & 1).toBe(0);
    const at = codec.encode('x'.repeat(1022), meta, KEY); // exactly 1024 serialized bytes
    expect(at.serialized.length).toBe(1024);
    expect(at.compressed).toBe(true);
    expect(at.bytes[3]).toBe(1);
    expect(at.bytes[4]! & 1).toBe(1);
    expect(at.bytes.length).toBeLessThan(200);
    expect(codec.decode(at.bytes, KEY).value).toBe('x'.repeat(1022));
  });

  it('keeps incompressible payloads raw (codec 0) even above the threshold', () => {
    const codec = createEntryCodec({ codec: 'lz4', threshold: 0 });
    const value = randomBytes(4000).toString('base64');
    const { bytes, compressed } = codec.encode(value, meta, KEY);
    expect(compressed).toBe(false);
    expect(bytes[3]).toBe(0);
    expect(bytes.length).toBe(ENVELOPE_HEADER_BYTES + value.length + 2);
    expect(codec.decode(bytes, KEY).value).toBe(value);
  });

  it('compresses 100 KB of varied English prose to less than 70% with lz4', () => {
    const value = prose(100_000);
    const { bytes, serialized, compressed } = createEntryCodec({ codec: 'lz4' }).encode(value, meta, KEY);
    expect(serialized.length).toBeGreaterThan(100_000);
    expect(compressed).toBe(true);
    expect(bytes.length / serialized.length).toBeLessThan(0.7);
  });

  it('honours deflate levels', () => {
    const value = prose(50_000, 7);
    const sizes = [1, 6, 9].map((level) => {
      const codec = createEntryCodec({ codec: 'deflate', level, threshold: 0 });
      const { bytes, compressed } = codec.encode(value, meta, KEY);
      expect(compressed).toBe(true);
      expect(bytes[3]).toBe(2);
      expect(codec.decode(bytes, KEY).value).toEqual(value);
      return bytes.length;
    });
    expect(sizes[2]!).toBeLessThan(sizes[0]!);
    expect(sizes[1]!).toBeLessThanOrEqual(sizes[0]!);
  });
});

describe('options', () => {
  it('lists every problem', () => {
    let error: unknown;
    try {
      createEntryCodec({
        codec: 'zstd' as CompressionCodec,
        threshold: -1,
        level: 10,
        serializer: {} as Serializer,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['codec', 'level', 'serializer', 'threshold']);
    for (const path of ['codec', 'threshold', 'level', 'serializer']) {
      expect((error as Error).message).toContain(path);
    }
  });

  it('rejects non-integer thresholds and levels', () => {
    expect(() => createEntryCodec({ threshold: 1.5 })).toThrow(ValidationError);
    expect(() => createEntryCodec({ threshold: Number.NaN })).toThrow(ValidationError);
    expect(() => createEntryCodec({ level: 0 })).toThrow(ValidationError);
    expect(() => createEntryCodec({ level: 2.5 })).toThrow(ValidationError);
    expect(() => createEntryCodec({ codec: 'deflate', level: 1, threshold: 0 })).not.toThrow();
  });

  it('uses a custom serializer and wraps its failures', () => {
    const serializer: Serializer = {
      name: 'upper',
      serialize: (value) => {
        if (value === 'boom') throw new Error('nope');
        return new TextEncoder().encode(String(value).toUpperCase());
      },
      deserialize: (bytes) => {
        const text = new TextDecoder().decode(bytes);
        if (text === 'BAD') throw new Error('bad payload');
        return text;
      },
    };
    const codec = createEntryCodec({ serializer, threshold: 0 });
    expect(codec.decode(codec.encode('hello', meta, KEY).bytes, KEY).value).toBe('HELLO');
    expect(codec.decode(codec.encode('abc'.repeat(1000), meta, KEY).bytes, KEY).value).toBe(
      'ABC'.repeat(1000),
    );
    expect(() => codec.encode('boom', meta, KEY)).toThrow(SerializationError);
    expect(reasonOf(() => codec.decode(codec.encode('bad', meta, KEY).bytes, KEY))).toBe('deserialize');
  });

  it('rejects invalid meta', () => {
    const codec = createEntryCodec();
    expect(() => codec.encode(1, { ...meta, freshUntil: Number.NaN }, KEY)).toThrow(ValidationError);
  });
});

describe('serialization errors', () => {
  const codec = createEntryCodec();
  const circular: Record<string, unknown> = {};
  circular.self = circular;

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a BigInt', { n: 1n }],
    ['a circular structure', circular],
  ])('throws SerializationError for %s', (_name, value) => {
    expect(() => jsonSerializer.serialize(value)).toThrow(SerializationError);
    expect(() => codec.encode(value, meta, KEY)).toThrow(SerializationError);
  });

  it('follows JSON semantics for nested values', () => {
    const decoded = codec.decode(
      codec.encode({ a: undefined, d: new Date(0), n: Number.NaN, l: [undefined] }, meta, KEY).bytes,
      KEY,
    );
    expect(decoded.value).toEqual({ d: '1970-01-01T00:00:00.000Z', n: null, l: [null] });
  });

  it('rejects invalid JSON and invalid UTF-8 on deserialize', () => {
    expect(() => jsonSerializer.deserialize(new TextEncoder().encode('{'))).toThrow(SerializationError);
    expect(() => jsonSerializer.deserialize(new Uint8Array([0x22, 0xff, 0x22]))).toThrow(SerializationError);
  });
});

describe('decode failures', () => {
  const codec = createEntryCodec({ threshold: 0 });
  const valid = (value: unknown = prose(2000), c: CompressionCodec = 'lz4'): Uint8Array =>
    createEntryCodec({ codec: c, threshold: 0 }).encode(value, meta, KEY).bytes;
  /** A copy of `bytes` patched by `patch`, resealed (valid checksum) unless `seal` is false. */
  const patched = (
    bytes: Uint8Array,
    patch: (copy: Uint8Array, view: DataView) => void,
    seal = true,
  ): Uint8Array => {
    const copy = Uint8Array.from(bytes);
    patch(copy, new DataView(copy.buffer));
    return seal ? reseal(copy) : copy;
  };

  const withByte = (bytes: Uint8Array, index: number, value: number): Uint8Array =>
    patched(bytes, (copy) => {
      copy[index] = value;
    });

  it('reports the reason', () => {
    const lz4 = valid();
    expect(lz4[3]).toBe(1);
    expect(reasonOf(() => codec.decode(new Uint8Array(0), KEY))).toBe('foreign');
    expect(reasonOf(() => codec.decode(new TextEncoder().encode('{"hello":"world"}'), KEY))).toBe('foreign');
    expect(reasonOf(() => codec.decode(lz4.subarray(0, 1), KEY))).toBe('truncated');
    expect(reasonOf(() => codec.decode(lz4.subarray(0, 20), KEY))).toBe('truncated');
    expect(reasonOf(() => codec.decode(lz4.subarray(0, lz4.length - 1), KEY))).toBe('truncated');
    expect(reasonOf(() => codec.decode(Buffer.concat([lz4, Buffer.from([0])]), KEY))).toBe('corrupt');
    expect(reasonOf(() => codec.decode(withByte(lz4, 2, 3), KEY))).toBe('version');
    // Version byte 1: read as a v1 header, the entry is 16 bytes longer than its fields declare.
    expect(reasonOf(() => codec.decode(withByte(lz4, 2, 1), KEY))).toBe('corrupt');
    // Any unsealed change is a checksum failure; a sound entry read under another key is 'key'.
    expect(
      reasonOf(() =>
        codec.decode(
          patched(lz4, (b) => (b[60] = b[60]! ^ 1), false),
          KEY,
        ),
      ),
    ).toBe('checksum');
    expect(
      reasonOf(() =>
        codec.decode(
          patched(lz4, (b) => (b[9] = b[9]! ^ 1), false),
          KEY,
        ),
      ),
    ).toBe('checksum');
    expect(
      reasonOf(() =>
        codec.decode(
          patched(lz4, (b) => (b[41] = b[41]! ^ 1), false),
          KEY,
        ),
      ),
    ).toBe('checksum');
    expect(
      reasonOf(() =>
        codec.decode(
          patched(lz4, (b) => (b[50] = b[50]! ^ 1), false),
          KEY,
        ),
      ),
    ).toBe('checksum');
    expect(reasonOf(() => codec.decode(lz4, 'app::other'))).toBe('key');
    expect(reasonOf(() => codec.decode(lz4, ''))).toBe('key');
    expect(reasonOf(() => codec.decode(withByte(lz4, 3, 9), KEY))).toBe('version');
    expect(reasonOf(() => codec.decode(withByte(lz4, 4, 0b011), KEY))).toBe('version');
    expect(reasonOf(() => codec.decode(withByte(lz4, 4, 0b10001), KEY))).toBe('version');
    expect(reasonOf(() => codec.decode(withByte(lz4, 4, 0b1001), KEY))).toBe('corrupt'); // tagged, empty tags section
    expect(reasonOf(() => codec.decode(withByte(lz4, 4, 0), KEY))).toBe('corrupt');
    expect(reasonOf(() => codec.decode(withByte(lz4, 6, 1), KEY))).toBe('corrupt');
    expect(
      reasonOf(() =>
        codec.decode(
          patched(lz4, (_, v) => v.setFloat64(16, Number.NaN, true)),
          KEY,
        ),
      ),
    ).toBe('corrupt');
    expect(
      reasonOf(() =>
        codec.decode(
          patched(lz4, (_, v) => v.setUint32(36, 12345, true)),
          KEY,
        ),
      ),
    ).toBe('decompress');
    expect(
      reasonOf(() =>
        codec.decode(
          patched(lz4, (b) => b.fill(0xff, 60, 96)),
          KEY,
        ),
      ),
    ).toBe('decompress');
    const raw = valid('plain', 'none');
    expect(reasonOf(() => codec.decode(withByte(raw, 56, 0x7b), KEY))).toBe('deserialize');
    expect(
      reasonOf(() =>
        codec.decode(
          patched(raw, (_, v) => v.setUint32(36, 3, true)),
          KEY,
        ),
      ),
    ).toBe('corrupt');
  });

  it('rejects decompression bombs without allocating', () => {
    for (const c of ['lz4', 'deflate'] as const) {
      const bytes = valid(prose(2000), c);
      const bomb = patched(bytes, (_, v) => {
        v.setUint32(36, 600 * 1024 * 1024, true);
        if (c === 'lz4') v.setUint32(56, 600 * 1024 * 1024, true);
      });
      expect(reasonOf(() => codec.decode(bomb, KEY))).toBe('decompress');
    }
    // A deflate stream that inflates to far more than declared stops at the declared length.
    const big = createEntryCodec({ codec: 'deflate', threshold: 0 }).encode(
      '0'.repeat(1_000_000),
      meta,
      KEY,
    ).bytes;
    const lying = patched(big, (_, v) => v.setUint32(36, 1000, true));
    expect(reasonOf(() => codec.decode(lying, KEY))).toBe('decompress');
  });

  it('garbage never throws anything but SerializationError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        decodesOrSerializationError(() => codec.decode(bytes, KEY));
        expect(() => codec.readMeta(bytes, KEY)).not.toThrow();
      }),
      { numRuns: 300 },
    );
    // Garbage behind a valid magic and version gets past the first checks.
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.integer({ min: 0, max: 7 }),
        (tail, codecByte) => {
          const version = 1 + (codecByte % 2);
          const bytes = Uint8Array.from([0xa7, 0xc1, version, codecByte % 3, codecByte, 0, 0, 0, ...tail]);
          decodesOrSerializationError(() => codec.decode(bytes, KEY));
          expect(() => codec.readMeta(bytes, KEY)).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('valid envelopes with random bit flips or truncations never decode (SerializationError only)', () => {
    const envelopeArb = fc
      .tuple(fc.oneof(fc.jsonValue({ maxDepth: 2 }), compressibleArb), fc.constantFrom(...CODECS), metaArb)
      .map(([value, c, m]) => createEntryCodec({ codec: c, threshold: 0 }).encode(value, m, KEY).bytes);
    fc.assert(
      fc.property(
        envelopeArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }),
        (bytes, flips) => {
          const copy = Uint8Array.from(bytes);
          const seen = new Set<number>();
          for (const [position, bit] of flips) {
            const index = position % copy.length;
            if (seen.has(index)) continue; // two flips of one byte could cancel out
            seen.add(index);
            copy[index] = copy[index]! ^ (1 << bit);
          }
          // The checksum catches any change: the entry never decodes.
          expect(REASONS).toContain(reasonOf(() => codec.decode(copy, KEY)));
          expect(codec.readMeta(copy, KEY)).toBeUndefined();
        },
      ),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(envelopeArb, fc.nat(), (bytes, cut) => {
        const truncated = bytes.subarray(0, cut % bytes.length);
        expect(reasonOf(() => codec.decode(truncated, KEY))).toBe(
          truncated.length === 0 ? 'foreign' : 'truncated',
        );
        expect(codec.readMeta(truncated, KEY)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('readMeta never throws and returns undefined for non-envelopes', () => {
    expect(codec.readMeta(new Uint8Array(0), KEY)).toBeUndefined();
    expect(codec.readMeta(undefined as unknown as Uint8Array, KEY)).toBeUndefined();
    expect(codec.readMeta('text' as unknown as Uint8Array, KEY)).toBeUndefined();
    expect(() => codec.decode(null as unknown as Uint8Array, KEY)).toThrow(SerializationError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(codec.readMeta(bytes, KEY)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});

describe('tags section', () => {
  const meta = { createdAt: 1, freshUntil: 2, staleUntil: 3 };
  it('roundtrips tags with raw and compressed payloads, and readMeta reads them', () => {
    for (const threshold of [0, 1_000_000]) {
      const codec = createEntryCodec({ threshold });
      const value = { text: 'tagged value '.repeat(50) };
      const { bytes } = codec.encode(value, { ...meta, tags: ['user:1', 'posts', 'ünïcode'] }, KEY);
      const decoded = codec.decode(bytes, KEY);
      expect(decoded.value).toEqual(value);
      expect(decoded.tags).toEqual(['user:1', 'posts', 'ünïcode']);
      expect(codec.readMeta(bytes, KEY)?.tags).toEqual(['user:1', 'posts', 'ünïcode']);
    }
  });

  it('untagged entries carry no tags (the tags section is empty)', () => {
    const codec = createEntryCodec();
    const { bytes } = codec.encode(1, { ...meta, tags: [] }, KEY);
    expect(bytes[4]! & 0b1000).toBe(0);
    expect(codec.decode(bytes, KEY).tags).toBeUndefined();
  });

  it('a corrupted tags section is a SerializationError, never another error', () => {
    const codec = createEntryCodec();
    const { bytes } = codec.encode('v', { ...meta, tags: ['a'] }, KEY);
    const broken = Uint8Array.from(bytes);
    broken[57] = 0xff; // inside the JSON of the tags
    expect(reasonOf(() => codec.decode(broken, KEY))).toBe('checksum');
    reseal(broken);
    expect(reasonOf(() => codec.decode(broken, KEY))).toBe('corrupt');
    expect(codec.readMeta(broken, KEY)).toBeUndefined();
  });
});

describe('encodeAsync (large payloads compressed on a worker thread)', () => {
  const meta: EntryMeta = { createdAt: 1, freshUntil: 2, staleUntil: 3, tags: ['t'] };
  const prose = (n: number) => ({ text: 'the cache answers the same question twice '.repeat(n) });

  it.each(['lz4', 'deflate', 'none'] as const)(
    '%s: gives exactly the bytes of encode, below and above ASYNC_COMPRESSION_BYTES',
    async (codec) => {
      const c = createEntryCodec({ codec });
      for (const value of [{ a: 1 }, prose(30), prose(400), { t: 'é'.repeat(20_000) }]) {
        const sync = c.encode(value, meta, KEY);
        const off = await c.encodeAsync(value, meta, KEY);
        expect(Buffer.from(off.bytes).equals(Buffer.from(sync.bytes))).toBe(true);
        expect(off.compressed).toBe(sync.compressed);
        expect(off.rawBytes).toBe(sync.rawBytes);
        expect(off.rawBytes).toBe(Buffer.byteLength(JSON.stringify(value)));
        expect(Buffer.from(off.serialized).equals(Buffer.from(sync.serialized))).toBe(true);
        expect(c.decode(off.bytes, KEY).value).toEqual(value);
      }
      expect(c.encode(prose(400), meta, KEY).compressed).toBe(codec !== 'none');
    },
  );

  it('rejects (never throws) where encode throws, with the same error class', async () => {
    const c = createEntryCodec();
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = c.encodeAsync({ n: 1n }, meta, KEY);
    }).not.toThrow();
    await expect(pending).rejects.toBeInstanceOf(SerializationError);
    await expect(c.encodeAsync({ a: 1 }, { ...meta, createdAt: Number.NaN }, KEY)).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('a custom serializer goes through the same path (its bytes compressed off the loop)', async () => {
    const custom: Serializer = {
      name: 'custom-json',
      serialize: (v) => jsonSerializer.serialize(v),
      deserialize: (b) => jsonSerializer.deserialize(b),
    };
    const c = createEntryCodec({ serializer: custom, threshold: 0 });
    const value = prose(400);
    const off = await c.encodeAsync(value, meta, KEY);
    expect(off.compressed).toBe(true);
    expect(Buffer.from(off.bytes)).toEqual(Buffer.from(c.encode(value, meta, KEY).bytes));
    expect(c.decode(off.bytes, KEY).value).toEqual(value);
  });
});
