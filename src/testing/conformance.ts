/**
 * The {@link CacheBackend} conformance suite, for vitest.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackendEntry, CacheBackend } from '../backends/types.js';

/** Options of {@link backendConformance}. */
export interface BackendConformanceOptions {
  /**
   * Whether the backend expires entries by itself (runs the TTL tests).
   * @default true
   */
  supportsTtl?: boolean;
  /**
   * Real time, in milliseconds, waited after an entry with a 50 ms TTL was written before it
   * must be gone. Keep it short (< 200 ms).
   * @default 120
   */
  ttlWaitMs?: number;
  /**
   * Number of keys written by the "many keys" listing test; choose it above the backend's
   * page size (e.g. Redis `scanCount`) so pagination is exercised.
   * @default 1200
   */
  manyKeys?: number;
  /**
   * Per-test timeout in milliseconds.
   * @default vitest's `testTimeout`
   */
  timeoutMs?: number;
}

/** Bytes filled by a small deterministic PRNG (xorshift32), so failures are reproducible. */
function pseudoRandomBytes(length: number, seed = 0x9e3779b9): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

const encoder = new TextEncoder();
const bytesOf = (text: string): Uint8Array => encoder.encode(text);

/** Asserts that `actual` is a Uint8Array with exactly the bytes of `expected`. */
function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual, 'expected a value, got undefined').toBeDefined();
  if (actual === undefined) return;
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(actual.byteLength, 'byte length').toBe(expected.byteLength);
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (Buffer.compare(a, e) !== 0) {
    let index = 0;
    while (index < a.length && a[index] === e[index]) index++;
    expect.fail(`bytes differ at index ${index}: got ${a[index]}, expected ${e[index]}`);
  }
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of iterable) out.push(key);
  return out;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const LONG_TTL = 60_000;

/**
 * Declares a vitest `describe` block that checks a {@link CacheBackend} against the whole
 * contract: misses, byte-exact roundtrips (empty, all 256 byte values, 1 MB), overwrite,
 * TTL expiry, `has`, idempotent `delete`, `clear(prefix)` / `clear()`, `keys(prefix)` (also
 * beyond one page), `getMany` / `setMany` when implemented, concurrent operations and `close`.
 *
 * Each test gets a fresh backend from `makeBackend` (cleared before use, then cleared and
 * closed afterwards). `clear()` without a prefix is exercised, so a backend on shared storage
 * (e.g. Redis) must be isolated, e.g. by a unique key prefix per suite.
 *
 * Requires vitest (an optional peer dependency of `ai-response-cache/testing`).
 *
 * @example
 * import { backendConformance } from 'ai-response-cache/testing';
 * backendConformance('MyBackend', () => new MyBackend());
 */
export function backendConformance(
  name: string,
  makeBackend: () => CacheBackend | Promise<CacheBackend>,
  options: BackendConformanceOptions = {},
): void {
  const supportsTtl = options.supportsTtl ?? true;
  const ttlWaitMs = options.ttlWaitMs ?? 120;
  const manyKeys = options.manyKeys ?? 1200;
  const testOptions: { timeout?: number } =
    options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs };

  describe(`${name}: CacheBackend conformance`, () => {
    let backend: CacheBackend;

    beforeEach(async () => {
      backend = await makeBackend();
      await backend.clear();
    });

    afterEach(async () => {
      try {
        await backend.clear();
      } finally {
        await backend.close();
      }
    });

    it('has a non-empty name', () => {
      expect(typeof backend.name).toBe('string');
      expect(backend.name.length).toBeGreaterThan(0);
    });

    it('returns undefined for a missing key', testOptions, async () => {
      expect(await backend.get('missing')).toBeUndefined();
      expect(await backend.has('missing')).toBe(false);
    });

    it('roundtrips an empty value (distinct from a miss)', testOptions, async () => {
      await backend.set('empty', new Uint8Array(0), LONG_TTL);
      expectBytes(await backend.get('empty'), new Uint8Array(0));
      expect(await backend.has('empty')).toBe(true);
    });

    it('roundtrips all 256 byte values', testOptions, async () => {
      const all = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
      await backend.set('bytes', all, LONG_TTL);
      expectBytes(await backend.get('bytes'), all);
    });

    it('roundtrips 1 MB of random bytes', testOptions, async () => {
      const big = pseudoRandomBytes(1024 * 1024);
      await backend.set('big', big, LONG_TTL);
      expectBytes(await backend.get('big'), big);
    });

    it('stores exactly the bytes of a view with an offset', testOptions, async () => {
      const whole = pseudoRandomBytes(64, 7);
      const view = whole.subarray(10, 30);
      await backend.set('view', view, LONG_TTL);
      expectBytes(await backend.get('view'), whole.slice(10, 30));
    });

    it('handles keys with unicode, spaces and glob characters', testOptions, async () => {
      const keys = ['ключ 🔑', 'a b:c', 'glob*?[x]\\', '[', '*'];
      for (const [i, key] of keys.entries()) await backend.set(key, bytesOf(`v${i}`), LONG_TTL);
      for (const [i, key] of keys.entries()) expectBytes(await backend.get(key), bytesOf(`v${i}`));
      expect((await collect(backend.keys())).sort()).toEqual([...keys].sort());
    });

    it('overwrites a value', testOptions, async () => {
      await backend.set('k', bytesOf('first'), LONG_TTL);
      await backend.set('k', bytesOf('second, longer'), LONG_TTL);
      expectBytes(await backend.get('k'), bytesOf('second, longer'));
      await backend.set('k', bytesOf('3'), LONG_TTL);
      expectBytes(await backend.get('k'), bytesOf('3'));
    });

    it.runIf(supportsTtl)('expires an entry after its TTL', testOptions, async () => {
      await backend.set('short', bytesOf('gone soon'), 50);
      await backend.set('long', bytesOf('stays'), LONG_TTL);
      expectBytes(await backend.get('short'), bytesOf('gone soon'));
      await sleep(ttlWaitMs);
      expect(await backend.get('short')).toBeUndefined();
      expect(await backend.has('short')).toBe(false);
      expect(await collect(backend.keys())).toEqual(['long']);
      expectBytes(await backend.get('long'), bytesOf('stays'));
    });

    it.runIf(supportsTtl)('an overwrite replaces the TTL', testOptions, async () => {
      await backend.set('k', bytesOf('short'), 50);
      await backend.set('k', bytesOf('long'), LONG_TTL);
      await sleep(ttlWaitMs);
      expectBytes(await backend.get('k'), bytesOf('long'));
    });

    it('has() reflects presence', testOptions, async () => {
      expect(await backend.has('h')).toBe(false);
      await backend.set('h', bytesOf('x'), LONG_TTL);
      expect(await backend.has('h')).toBe(true);
      await backend.delete('h');
      expect(await backend.has('h')).toBe(false);
    });

    it('delete() is idempotent: true, then false', testOptions, async () => {
      await backend.set('d', bytesOf('x'), LONG_TTL);
      expect(await backend.delete('d')).toBe(true);
      expect(await backend.delete('d')).toBe(false);
      expect(await backend.delete('never-set')).toBe(false);
      expect(await backend.get('d')).toBeUndefined();
    });

    it('clear(prefix) removes only keys with that literal prefix', testOptions, async () => {
      const keep = ['b:1', 'pa:1', 'p:1', 'ab:1', 'xa*:1'];
      const remove = ['a*:1', 'a*:2', 'a*b'];
      for (const key of [...keep, ...remove]) await backend.set(key, bytesOf(key), LONG_TTL);
      await backend.clear('a*');
      for (const key of remove) expect(await backend.get(key), key).toBeUndefined();
      for (const key of keep) expectBytes(await backend.get(key), bytesOf(key));
      await backend.clear('[p]');
      for (const key of keep) expect(await backend.has(key), key).toBe(true);
      await backend.clear('p');
      expect((await collect(backend.keys())).sort()).toEqual(['ab:1', 'b:1', 'xa*:1']);
    });

    it('clear() removes everything', testOptions, async () => {
      for (let i = 0; i < 20; i++) await backend.set(`k${i % 3}:${i}`, bytesOf(String(i)), LONG_TTL);
      await backend.clear();
      expect(await collect(backend.keys())).toEqual([]);
      expect(await backend.get('k0:0')).toBeUndefined();
    });

    it('keys(prefix) yields exactly the live keys with that prefix', testOptions, async () => {
      const a = ['a:1', 'a:2', 'a:3'];
      const other = ['b:1', 'ab:1', 'a?:1', '[a]:1'];
      for (const key of [...a, ...other]) await backend.set(key, bytesOf(key), LONG_TTL);
      await backend.delete('a:2');
      expect((await collect(backend.keys('a:'))).sort()).toEqual(['a:1', 'a:3']);
      expect((await collect(backend.keys('a?'))).sort()).toEqual(['a?:1']);
      expect((await collect(backend.keys('[a]'))).sort()).toEqual(['[a]:1']);
      expect((await collect(backend.keys('none'))).sort()).toEqual([]);
      expect((await collect(backend.keys())).sort()).toEqual(['a:1', 'a:3', ...other].sort());
    });

    it(`keys(prefix) pages through ${manyKeys} keys, each once`, testOptions, async () => {
      const expected: string[] = [];
      const entries: BackendEntry[] = [];
      for (let i = 0; i < manyKeys; i++) {
        const key = `many:${i}`;
        expected.push(key);
        entries.push({ key, value: bytesOf(String(i)), ttlMs: LONG_TTL });
      }
      for (let i = 0; i < 25; i++) entries.push({ key: `few:${i}`, value: bytesOf('x'), ttlMs: LONG_TTL });
      for (let i = 0; i < entries.length; i += 200) {
        await Promise.all(entries.slice(i, i + 200).map((e) => backend.set(e.key, e.value, e.ttlMs)));
      }
      const listed = await collect(backend.keys('many:'));
      expect(listed.length).toBe(manyKeys);
      expect(new Set(listed).size).toBe(manyKeys);
      expect(listed.sort()).toEqual(expected.sort());
      await backend.clear('many:');
      expect(await collect(backend.keys('many:'))).toEqual([]);
      expect((await collect(backend.keys())).length).toBe(25);
    });

    it('getMany() preserves order and maps misses to undefined', testOptions, async ({ skip }) => {
      if (!backend.getMany) {
        skip('backend does not implement getMany');
        return;
      }
      await backend.set('m1', bytesOf('one'), LONG_TTL);
      await backend.set('m3', new Uint8Array(0), LONG_TTL);
      const values = await backend.getMany(['m3', 'missing', 'm1', 'm1']);
      expect(values).toHaveLength(4);
      expectBytes(values[0], new Uint8Array(0));
      expect(values[1]).toBeUndefined();
      expectBytes(values[2], bytesOf('one'));
      expectBytes(values[3], bytesOf('one'));
      expect(await backend.getMany([])).toEqual([]);
    });

    it('setMany() writes every entry', testOptions, async ({ skip }) => {
      if (!backend.setMany) {
        skip('backend does not implement setMany');
        return;
      }
      const entries = Array.from({ length: 50 }, (_, i) => ({
        key: `s:${i}`,
        value: pseudoRandomBytes(i * 10, i + 1),
        ttlMs: LONG_TTL,
      }));
      await backend.setMany(entries);
      await backend.setMany([]);
      for (const entry of entries) expectBytes(await backend.get(entry.key), entry.value);
      expect((await collect(backend.keys('s:'))).length).toBe(50);
      if (supportsTtl) {
        await backend.setMany([{ key: 's:short', value: bytesOf('x'), ttlMs: 50 }]);
        await sleep(ttlWaitMs);
        expect(await backend.get('s:short')).toBeUndefined();
      }
    });

    it('settles 100 concurrent mixed operations consistently', testOptions, async () => {
      await backend.set('same', bytesOf('initial'), LONG_TTL);
      await backend.set('c:doomed', bytesOf('x'), LONG_TTL);
      const written = new Set<string>(['initial']);
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 100; i++) {
        switch (i % 5) {
          case 0:
            ops.push(backend.set(`c:${i}`, bytesOf(`distinct ${i}`), LONG_TTL));
            break;
          case 1: {
            const text = `same ${i}`;
            written.add(text);
            ops.push(backend.set('same', bytesOf(text), LONG_TTL));
            break;
          }
          case 2:
            ops.push(
              backend.get('same').then((value) => {
                expect(value).toBeDefined();
                expect(written.has(new TextDecoder().decode(value))).toBe(true);
              }),
            );
            break;
          case 3:
            ops.push(backend.has(`c:${i - 3}`));
            break;
          default:
            ops.push(backend.delete('c:doomed'));
        }
      }
      const results = await Promise.allSettled(ops);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      for (let i = 0; i < 100; i += 5) expectBytes(await backend.get(`c:${i}`), bytesOf(`distinct ${i}`));
      const final = await backend.get('same');
      expect(written.has(new TextDecoder().decode(final))).toBe(true);
      expectBytes(await backend.get('same'), final ?? new Uint8Array(0));
      expect(await backend.has('c:doomed')).toBe(false);
      expect((await collect(backend.keys('c:'))).length).toBe(20);
    });

    it('close() can be called twice', testOptions, async () => {
      const other = await makeBackend();
      await other.close();
      await expect(other.close()).resolves.toBeUndefined();
    });
  });
}
