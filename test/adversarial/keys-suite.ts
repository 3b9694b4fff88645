/**
 * The adversarial key suite, shared by the memory and the Redis runs: for random pairs of
 * (namespace path, key) that name different entries (root array keys, keys with `:` `#` `\`
 * `%` braces and the namespace markers, nested namespaces, numbers and strings, keys long
 * enough to be hashed), nothing written under one is ever read, deleted or cleared through the
 * other. Caches run without L1 so every answer comes from the backend.
 *
 * @module
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheBackend } from '../../src/backends/types.js';
import { type Cache, type CacheKey, createCache } from '../../src/index.js';
import { normalizeCacheKey } from '../../src/keys/index.js';

/** Runs of the property (each one a few backend round trips). */
export const KEY_RUNS = 400;

/** Namespace names that overlap on purpose (prefixes of each other, the same name nested). */
const nsName = fc.constantFrom('a', 'b', 'ab', 'tenant-a', 'tenant-b', '{t}', 'x.y');
const nsPath = fc.array(nsName, { maxLength: 3 });

/** Strings built from the characters and fragments that could forge a namespace or a marker. */
const forging = fc
  .array(
    fc.constantFrom(
      ':',
      '::',
      '#',
      '#:',
      '#tag:',
      '\\',
      '%',
      '%3A',
      '{',
      '}',
      'a',
      'b',
      'tenant-a',
      'secret',
      '1',
      '',
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''));
const part = fc.oneof(forging, fc.string({ maxLength: 8 }), fc.integer({ min: -5, max: 20 }));
/** Keys: forged strings, arrays of parts, numbers, and strings long enough to be hashed. */
export const keyArb: fc.Arbitrary<CacheKey> = fc.oneof(
  forging,
  fc.array(part, { minLength: 1, maxLength: 4 }),
  fc.integer({ min: -5, max: 20 }),
  fc.string({ minLength: 260, maxLength: 300 }),
);

/** Whether two (namespace path, key) pairs name the same entry (numbers are their decimal string). */
function sameEntry(pa: string[], ka: CacheKey, pb: string[], kb: CacheKey): boolean {
  return pa.join('/') === pb.join('/') && normalizeCacheKey(ka) === normalizeCacheKey(kb);
}

function isAncestor(outer: string[], inner: string[]): boolean {
  return outer.length <= inner.length && outer.every((n, i) => inner[i] === n);
}

/** Defines the suite for one backend; `open` is called once, in `beforeAll`. */
export function defineKeyIsolationSuite(
  name: string,
  open: () => Promise<{ backend: CacheBackend; close(): Promise<void> }>,
  prefix: string,
): void {
  describe(name, () => {
    let backend: CacheBackend;
    let close: () => Promise<void>;
    let root: Cache;
    let reader: Cache;

    beforeAll(async () => {
      ({ backend, close } = await open());
      root = createCache({ prefix, backend, l1: false });
      // A second cache over the same backend: what crosses would cross between processes too.
      reader = createCache({ prefix, backend, l1: false });
      await Promise.all([root.ready(), reader.ready()]);
    });
    afterAll(async () => {
      await root?.clear();
      await close?.();
    });

    const at = (cache: Cache, path: string[]): Cache => path.reduce((c, n) => c.namespace(n), cache);

    it('an entry written under one (namespace path, key) is never read, deleted or cleared through another', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(nsPath, keyArb, nsPath, keyArb, async (pa, ka, pb, kb) => {
          fc.pre(!sameEntry(pa, ka, pb, kb));
          run++;
          const a = at(root, pa);
          const b = at(root, pb);
          const value = { run, owner: 'A' };
          await a.set(ka, value);
          // B reads nothing, has nothing, and B's delete removes nothing of A's.
          expect(await at(reader, pb).get(kb)).toBeUndefined();
          expect(await at(reader, pb).has(kb)).toBe(false);
          expect(await at(reader, pb).getMany([kb])).toEqual([undefined]);
          expect(await at(reader, pb).getOrSet(kb, () => 'produced by B')).toBe('produced by B');
          expect(await b.delete(kb)).toBe(true);
          expect(await b.delete(kb)).toBe(false);
          expect(await at(reader, pa).get(ka)).toEqual(value);
          // B's own write leaves A's value alone.
          await b.set(kb, { run, owner: 'B' });
          expect(await at(reader, pa).get(ka)).toEqual(value);
          expect(await at(reader, pb).get(kb)).toEqual({ run, owner: 'B' });
          expect(await b.delete(kb)).toBe(true);
          expect(await at(reader, pa).get(ka)).toEqual(value);
          // Clearing B's namespace clears A only when A lives inside it (nested namespaces).
          if (pb.length > 0) {
            await b.clear();
            expect(await at(reader, pa).get(ka)).toEqual(isAncestor(pb, pa) ? undefined : value);
          }
          await a.delete(ka);
          expect(await at(reader, pa).get(ka)).toBeUndefined();
        }),
        { numRuns: KEY_RUNS },
      );
      expect(run).toBeGreaterThan(KEY_RUNS / 2);
    });

    it('the issue’s examples: a root array key does not reach into a namespace; 1 and "1" are one key', async () => {
      const tenant = root.namespace('tenant-a');
      await root.set(['tenant-a', 'secret'], 'root value');
      expect(await tenant.get('secret')).toBeUndefined();
      await tenant.set('secret', 'tenant value');
      expect(await root.get(['tenant-a', 'secret'])).toBe('root value');
      expect(await root.get('tenant-a:secret')).toBe('root value');
      await root.namespace('tenant-b').clear();
      expect(await tenant.get('secret')).toBe('tenant value');
      await tenant.clear();
      expect(await root.get(['tenant-a', 'secret'])).toBe('root value');
      expect(await tenant.get('secret')).toBeUndefined();
      await root.set(1, 'one');
      expect(await root.get('1')).toBe('one');
      expect(await root.get(['1'])).toBe('one');
      expect(await root.get(1n)).toBe('one');
    });

    it('a template key and its string are one key: wrap results are read and deleted as strings', async () => {
      let calls = 0;
      const listItems = root.wrap(
        async (q: { category: string; page: number }) => {
          calls++;
          return { items: [q.category, q.page] };
        },
        { key: 'items:{category}:{page}' },
      );
      expect(await listItems({ category: 'books', page: 2 })).toEqual({ items: ['books', 2] });
      expect(await reader.get('items:books:2')).toEqual({ items: ['books', 2] });
      expect(await reader.get(['items', 'books', 2])).toEqual({ items: ['books', 2] });
      expect(await root.delete('items:books:2')).toBe(true);
      await listItems({ category: 'books', page: 2 });
      expect(calls).toBe(2);
      // A value containing ':' is escaped, as an array part is, so it cannot forge another key.
      await listItems({ category: 'books:2', page: 3 });
      expect(await reader.get(['items', 'books:2', 3])).toEqual({ items: ['books:2', 3] });
      expect(await reader.get('items:books:2:3')).toBeUndefined();
    });

    it('no user key overwrites a tag stamp, and tag stamps never read as entries', async () => {
      // The stamp of tag t1 lives at `prefix:#tag:t1`; these keys spell it in every way a user can.
      const spellings: CacheKey[] = ['#tag:t1', ['#tag', 't1'], ['#tag:t1'], ':#tag:t1', '#:t1'];
      const tagged = 'tagged entry';
      await root.set('entry', tagged, { tags: ['t1'] });
      for (const [i, key] of spellings.entries()) {
        if (i !== 1) await root.set(key, `spelling ${i}`); // ['#tag', 't1'] is the string '#tag:t1'
      }
      await root.invalidateTags(['t1']);
      expect(await root.get('entry')).toBeUndefined();
      expect(await root.get('#tag:t1')).toBe('spelling 0');
      expect(await root.get(['#tag', 't1'])).toBe('spelling 0');
      expect(await root.get(['#tag:t1'])).toBe('spelling 2');
      expect(await root.get(':#tag:t1')).toBe('spelling 3');
      expect(await root.get('#:t1')).toBe('spelling 4');
    });
  });
}
