import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { stableStringify } from '../../src/keys/index.js';

/** Rebuilds `value` with every object's keys in a different (seeded) order. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => reorder(v, seed + i));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const shift = keys.length === 0 ? 0 : seed % keys.length;
  const ordered = [...keys.slice(shift), ...keys.slice(0, shift)];
  if (seed % 2 === 1) ordered.reverse();
  const out: Record<string, unknown> = {};
  for (const k of ordered) {
    Object.defineProperty(out, k, {
      value: reorder((value as Record<string, unknown>)[k], seed * 31 + 7),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** JSON equality (what JSON.stringify can tell apart), ignoring key order. */
function jsonEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

describe('stableStringify', () => {
  it('is valid JSON equal to the input for JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = stableStringify(value);
        // '$'-prefixed keys get one more '$'; compare on values without such keys.
        if (!text.includes('"$')) expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 200 },
    );
  });

  it('does not depend on key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
        expect(stableStringify(reorder(value, seed))).toBe(stableStringify(value));
      }),
      { numRuns: 300 },
    );
    expect(stableStringify({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 2 } })).toBe(
      '{"a":{"c":2,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives different strings for different values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        fc.pre(!jsonEqual(a, b));
        expect(stableStringify(a)).not.toBe(stableStringify(b));
      }),
      { numRuns: 300 },
    );
    const distinct = [
      1,
      '1',
      [1],
      '[1]',
      { a: [1] },
      { a: '[1]' },
      null,
      'null',
      true,
      'true',
      {},
      [],
      1n,
      { $bigint: '1' },
      Buffer.from('hi'),
      { $bytes: Buffer.from('hi').toString('base64') },
      { $$bytes: 'aGk=' },
      new Map([['a', 1]]),
      { $map: [['a', 1]] },
      new Set([1]),
      { $set: [1] },
    ];
    const strings = distinct.map((v) => stableStringify(v));
    expect(new Set(strings).size).toBe(distinct.length);
  });

  it('encodes binary by content', () => {
    const a = Buffer.from([1, 2, 3]);
    const b = new Uint8Array([1, 2, 3]);
    const c = Buffer.from([0, 1, 2, 3, 4]).subarray(1, 4);
    expect(stableStringify({ data: a })).toBe('{"data":{"$bytes":"AQID"}}');
    expect(stableStringify({ data: b })).toBe(stableStringify({ data: a }));
    expect(stableStringify({ data: c })).toBe(stableStringify({ data: a }));
    expect(stableStringify(b.buffer)).toBe(stableStringify(b));
    expect(stableStringify(Buffer.from([1, 2, 4]))).not.toBe(stableStringify(a));
  });

  it('follows JSON for undefined, functions, symbols, dates and non-finite numbers', () => {
    const sym = Symbol('s');
    expect(
      stableStringify({
        u: undefined,
        f: () => 1,
        s: sym,
        [sym]: 1,
        arr: [undefined, () => 1, sym, Number.NaN, Number.POSITIVE_INFINITY, -0],
        d: new Date(Date.UTC(2024, 0, 2)),
        n: new Number(3),
        str: new String('x'),
        custom: { toJSON: (key: string) => `key=${key}` },
      }),
    ).toBe(
      '{"arr":[null,null,null,null,null,0],"custom":"key=custom","d":"2024-01-02T00:00:00.000Z","n":3,"str":"x"}',
    );
    expect(stableStringify(undefined)).toBe('null');
    expect(stableStringify(() => 1)).toBe('null');
    expect(stableStringify(new Date(Number.NaN))).toBe('null');
  });

  it('encodes BigInt with a marker, Maps and Sets by sorted content', () => {
    expect(stableStringify({ n: 12345678901234567890n })).toBe('{"n":{"$bigint":"12345678901234567890"}}');
    expect(
      stableStringify(
        new Map<unknown, unknown>([
          ['b', 2],
          ['a', 1],
        ]),
      ),
    ).toBe(
      stableStringify(
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    );
    expect(stableStringify(new Set([3, 1, 2]))).toBe('{"$set":[1,2,3]}');
    expect(stableStringify({ $ref: '#/x' })).toBe('{"$$ref":"#/x"}');
  });

  it('accepts shared (non-circular) references and rejects circular ones', () => {
    const shared = { x: 1 };
    expect(stableStringify({ a: shared, b: shared, c: [shared, shared] })).toBe(
      '{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":1}]}',
    );
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = { back: circular };
    expect(() => stableStringify(circular)).toThrow(ValidationError);
    const array: unknown[] = [];
    array.push(array);
    expect(() => stableStringify(array)).toThrow(ValidationError);
    const map = new Map<string, unknown>();
    map.set('m', map);
    expect(() => stableStringify(map)).toThrow(ValidationError);
  });
});
