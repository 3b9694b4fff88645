/**
 * Tenant isolation, adversarially: for random pairs of namespace names (look-alikes, names with
 * `:` `#` `%` `@`, names equal to the other's key or to the cache's own segments) and random keys
 * (including keys that spell the other tenant's namespace), tenant B never reads, overwrites,
 * deletes, invalidates or clears an entry of tenant A, through any public operation of `Cache`
 * and `AIResponseCache`, on memory and on a real Redis. Cross-tenant reads and deletions are
 * counted; both must be 0. Names a namespace cannot have are a `ValidationError` (counted too).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLocalBusHub } from '../../src/bus/index.js';
import {
  AIResponseCache,
  type Cache,
  type CacheBackend,
  type CacheKey,
  createCache,
  MemoryBackend,
  RedisBackend,
  ValidationError,
} from '../../src/index.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** Names that look alike, or look like key syntax, or like the caches' own segments. */
const LOOKALIKES = [
  'tenant-a',
  'tenant-b',
  'tenant-A',
  't\u0435nant-a', // Cyrillic "е"
  'tenant-a\u200b', // zero-width space
  'tenant%2Da',
  'tenant-a%3A',
  'tenant-a:',
  'tenant-a::',
  'tenant:a',
  '#tenant-a',
  'tenant-a#',
  'a',
  'b',
  'a:b',
  'a%3Ab',
  'ai',
  '@a',
  'a@',
  '@',
  '%',
  '%25',
  'lock',
  'fn',
  '#tag',
  'summarize',
];

const nameArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...LOOKALIKES) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.constantFrom('a', 'b', 'A', ':', '#', '%', '3', '@', '-', '.', 'é', '\u0430', ' '),
      minLength: 1,
      maxLength: 6,
    }),
  },
);

const pairArb = fc.tuple(nameArb, nameArb).filter(([a, b]) => a !== b);

const partArb = fc.oneof(
  fc.string({ unit: fc.constantFrom('k', 'a', ':', '#', '%', '{', '}', '*', '@', '1', ' '), maxLength: 6 }),
  fc.integer({ min: -5, max: 50 }),
);

/** Keys of tenant A: random ones, and ones that spell tenant B's namespace. */
function keysArb(other: string, arrays: boolean): fc.Arbitrary<CacheKey[]> {
  const spelled: CacheKey[] = [other, `${other}:k`, `:${other}:k`, `${other}::k`, `#:${other}`, 'k'];
  if (arrays) spelled.push([other, 'k'], [other, '', 'k'], ['', other, 'k']);
  const single: fc.Arbitrary<CacheKey> = arrays
    ? fc.oneof(partArb, fc.array(partArb, { minLength: 1, maxLength: 3 }))
    : partArb;
  return fc
    .tuple(fc.array(single, { minLength: 1, maxLength: 4 }), fc.subarray(spelled, { minLength: 1 }))
    .map(([random, chosen]) => [...random, ...chosen]);
}

/** `items` without those that map to the same full key as an earlier one (`5` and `'5'`, ...). */
async function distinct<T>(items: T[], keyOf: (item: T) => Promise<string>): Promise<T[]> {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of items) {
    const key = await keyOf(item);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}

/** Runs `make`; a ValidationError means the name is refused (counted), anything else fails the test. */
function tryMake<T>(make: () => T): T | undefined {
  try {
    return make();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return undefined;
  }
}

interface Tally {
  pairs: number;
  refused: number;
  checks: number;
  crossReads: number;
  crossDeletes: number;
}

const newTally = (): Tally => ({ pairs: 0, refused: 0, checks: 0, crossReads: 0, crossDeletes: 0 });

function expectIsolated(t: Tally): void {
  // The run exercised real pairs, not only refused names.
  expect(t.pairs).toBeGreaterThan(0);
  expect(t.checks).toBeGreaterThan(t.pairs);
  expect({ crossReads: t.crossReads, crossDeletes: t.crossDeletes }).toEqual({
    crossReads: 0,
    crossDeletes: 0,
  });
}

// ---------------------------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------------------------

type Layout = 'siblings, one cache' | 'siblings, two caches on one backend' | 'B nested in A';

const owned = (v: unknown, owner: string) =>
  typeof v === 'object' && v !== null && (v as { owner?: unknown }).owner === owner;

/**
 * A stores `keys`; then B runs every public operation of Cache against the same keys (reads,
 * getOrSet, wrap, writes, deletes, tag invalidation, clear); A's entries must be untouched.
 */
async function cacheRound(a: Cache, b: Cache, all: CacheKey[], t: Tally): Promise<void> {
  t.pairs++;
  const keys = await distinct(all, (k) => a.fullKey(k));
  for (const [i, k] of keys.entries()) await a.set(k, { owner: 'A', i }, { tags: ['t', `t${i}`] });
  const checkA = async (): Promise<void> => {
    for (const [i, k] of keys.entries()) {
      t.checks++;
      const v = await a.get<{ owner: string; i: number }>(k);
      if (!(owned(v, 'A') && v?.i === i)) t.crossDeletes++;
    }
  };
  // Reads.
  for (const k of keys) {
    t.checks += 4;
    if ((await b.get(k)) !== undefined) t.crossReads++;
    if ((await b.lookup(k)) !== undefined) t.crossReads++;
    if (await b.has(k)) t.crossReads++;
    if ((await b.resolve(k, () => ({ owner: 'B' }), { strategy: 'fresh' })).value !== undefined)
      t.crossReads++;
  }
  t.checks++;
  if ((await b.getMany(keys)).some((v) => v !== undefined)) t.crossReads++;
  // getOrSet and wrap produce B's own values (and must not return A's).
  for (const k of keys) {
    t.checks += 2;
    if (!owned(await b.getOrSet(k, () => ({ owner: 'B' })), 'B')) t.crossReads++;
    const wrapped = b.wrap(async () => ({ owner: 'B' }), { key: () => k, tags: ['t'] });
    if (!owned(await wrapped(), 'B')) t.crossReads++;
  }
  await checkA();
  // Writes, deletions, invalidations and clear by B.
  for (const k of keys) {
    await b.set(k, { owner: 'B' }, { tags: ['t'] });
    await b.delete(k);
    await b.getOrSet(k, () => ({ owner: 'B' }), { strategy: 'invalidate' });
  }
  await b.invalidateTags(['t', ...keys.map((_, i) => `t${i}`)]);
  await checkA();
  await b.clear();
  await checkA();
}

async function cacheProperty(
  layout: Layout,
  backendFor: () => { backend: CacheBackend; prefix: string },
  numRuns: number,
): Promise<Tally> {
  const t = newTally();
  await fc.assert(
    fc.asyncProperty(
      pairArb.chain(([x, y]) =>
        fc.tuple(fc.constant(x), fc.constant(y), keysArb(y, layout !== 'B nested in A')),
      ),
      async ([x, y, keys]) => {
        const { backend, prefix } = backendFor();
        const one = createCache({ backend, prefix });
        const caches = [one];
        const a = tryMake(() => one.namespace(x));
        let b: Cache | undefined;
        if (layout === 'siblings, one cache') b = tryMake(() => one.namespace(y));
        else if (layout === 'B nested in A') b = a && tryMake(() => a.namespace(y));
        else {
          const two = createCache({ backend, prefix });
          caches.push(two);
          b = tryMake(() => two.namespace(y));
        }
        try {
          if (!a || !b) t.refused++;
          else await cacheRound(a, b, keys, t);
        } finally {
          // The caches share the backend: close it once, after both.
          await backend.clear(`${prefix}:`);
          if (backend instanceof RedisBackend) await backend.close();
        }
      },
    ),
    { numRuns },
  );
  return t;
}

const LAYOUTS: Layout[] = ['siblings, one cache', 'siblings, two caches on one backend', 'B nested in A'];

describe('tenant isolation: Cache on memory', () => {
  for (const layout of LAYOUTS) {
    it(`${layout}: 0 cross-tenant reads or deletions`, async () => {
      const t = await cacheProperty(layout, () => ({ backend: new MemoryBackend(), prefix: 'app' }), 60);
      expectIsolated(t);
    });
  }

  it('refuses names a namespace cannot have with a ValidationError (":", "#", whitespace, empty)', () => {
    const cache = createCache();
    for (const name of ['a:b', 'tenant-a:', '#tenant-a', 'a b', '', 'a\u0000']) {
      expect(() => cache.namespace(name)).toThrow(ValidationError);
    }
  });
});

describeRedis('tenant isolation: Cache on a real Redis', (url) => {
  for (const layout of LAYOUTS) {
    it(`${layout}: 0 cross-tenant reads or deletions`, async () => {
      const t = await cacheProperty(
        layout,
        () => ({ backend: new RedisBackend({ url }), prefix: uniqueCachePrefix('tenants') }),
        30,
      );
      expectIsolated(t);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// AIResponseCache
// ---------------------------------------------------------------------------------------------

const OPERATIONS = ['summarize', 'qa', 'ai', 'lock', 'a'];

const requestArb = fc.record(
  {
    text: fc.string({ unit: fc.constantFrom('x', 'y', ':', '#', '%', '@', ' ', 'é'), maxLength: 8 }),
    operation: fc.constantFrom(...OPERATIONS),
    options: fc.dictionary(
      fc.constantFrom('model', 'temperature', 'ns'),
      fc.oneof(fc.string({ maxLength: 3 }), fc.integer()),
    ),
    question: fc.option(fc.string({ maxLength: 3 }), { nil: undefined }),
  },
  { requiredKeys: ['text', 'operation'] },
);

/** Tenant names for the AI cache: `undefined` is the tenant-less cache. */
const aiNameArb = fc.option(nameArb, { nil: undefined, freq: 4 });

type AILayout = 'namespace option, two caches on one backend' | 'views of one cache' | 'B a view nested in A';

interface Req {
  text: string;
  operation: string;
  options?: Record<string, unknown>;
  question?: string;
}

async function aiRound(a: AIResponseCache, b: AIResponseCache, requests: Req[], t: Tally): Promise<void> {
  t.pairs++;
  const unique = await distinct(requests, (r) => a.keyFor(r));
  for (const [i, r] of unique.entries()) await a.cacheResponse({ ...r, response: { owner: 'A', i } });
  const checkA = async () => {
    for (const [i, r] of unique.entries()) {
      t.checks++;
      const v = await a.getResponse<{ owner: string; i: number }>(r);
      if (!(owned(v, 'A') && v?.i === i)) t.crossDeletes++;
    }
  };
  const bHitsBefore = b.stats().hits;
  for (const r of unique) {
    t.checks += 2;
    if ((await b.getResponse(r)) !== undefined) t.crossReads++;
    if ((await b.lookupResponse(r)) !== undefined) t.crossReads++;
  }
  // Statistics are per namespace: B's reads of A's requests were B's misses, never hits.
  t.checks++;
  if (b.stats().hits !== bHitsBefore) t.crossReads++;
  for (const r of unique) await b.cacheResponse({ ...r, response: { owner: 'B' } });
  await checkA();
  for (const r of unique) await b.invalidate(r);
  for (const op of OPERATIONS) await b.invalidateOperation(op);
  await checkA();
  await b.clear();
  await checkA();
}

async function aiProperty(
  layout: AILayout,
  options: () => ConstructorParameters<typeof AIResponseCache>[0],
  numRuns: number,
): Promise<Tally> {
  const t = newTally();
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(aiNameArb, aiNameArb).filter(([x, y]) => x !== y),
      fc.array(requestArb, { minLength: 1, maxLength: 4 }),
      async ([x, y], requests) => {
        const base = options();
        const opened: AIResponseCache[] = [];
        const open = (namespace: string | undefined) => {
          const ai = new AIResponseCache({ ...base, ...(namespace === undefined ? {} : { namespace }) });
          opened.push(ai);
          return ai;
        };
        let a: AIResponseCache | undefined;
        let b: AIResponseCache | undefined;
        try {
          if (layout === 'namespace option, two caches on one backend') {
            a = tryMake(() => open(x));
            b = tryMake(() => open(y));
          } else {
            const root = open(undefined);
            const view = (n: string | undefined, of: AIResponseCache) =>
              n === undefined ? of : of.namespace(n);
            a = tryMake(() => view(x, root));
            b =
              layout === 'B a view nested in A'
                ? a && tryMake(() => view(y ?? 'child', a as AIResponseCache))
                : tryMake(() => view(y, root));
          }
          if (!a || !b || a === b) t.refused++;
          else await aiRound(a, b, requests as Req[], t);
        } finally {
          if (opened[0]) await opened[0].cache.backend?.clear(`${opened[0].config.prefix}:`);
          await Promise.all(opened.map((c) => c.close()));
        }
      },
    ),
    { numRuns },
  );
  return t;
}

const AI_LAYOUTS: AILayout[] = [
  'namespace option, two caches on one backend',
  'views of one cache',
  'B a view nested in A',
];

describe('tenant isolation: AIResponseCache on memory', () => {
  for (const layout of AI_LAYOUTS) {
    it(`${layout}: 0 cross-tenant reads or deletions`, async () => {
      const t = await aiProperty(
        layout,
        // Two caches on one backend: one shared MemoryBackend, each cache with its own L1.
        () => ({ backend: new MemoryBackend() }),
        50,
      );
      expectIsolated(t);
    });
  }
});

describeRedis('tenant isolation: AIResponseCache on a real Redis', (url) => {
  for (const layout of AI_LAYOUTS) {
    it(`${layout}: 0 cross-tenant reads or deletions`, async () => {
      const t = await aiProperty(
        layout,
        () => ({ redisUrl: url, prefix: uniqueCachePrefix('ai-tenants') }),
        10,
      );
      expectIsolated(t);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Bus messages across processes
// ---------------------------------------------------------------------------------------------

describe('tenant isolation: invalidation bus messages', () => {
  const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
  const requests = [
    { text: 'same', operation: 'summarize' },
    { text: 'same', operation: 'qa', question: 'q' },
  ];

  it("tenant B's writes, invalidations and clears in one process never drop tenant A's L1 entries in another", async () => {
    const hub = createLocalBusHub();
    const backend = new MemoryBackend();
    // Two "processes" on one backend, each with its own L1 and bus; tenant A on both, B on the first.
    const p1 = new AIResponseCache({ backend, bus: hub.createBus() });
    const p2 = new AIResponseCache({ backend, bus: hub.createBus() });
    const a1 = p1.namespace('tenant-a');
    const a2 = p2.namespace('tenant-a');
    const b1 = p1.namespace('tenant-b');
    for (const r of requests) {
      await a2.cacheResponse({ ...r, response: 'A' });
      expect((await a2.lookupResponse(r))?.tier).toBe('l1');
    }
    for (const r of requests) {
      await b1.cacheResponse({ ...r, response: 'B' });
      await b1.invalidate(r);
    }
    await b1.invalidateOperation('summarize');
    await b1.clear();
    await flush();
    for (const r of requests) expect((await a2.lookupResponse(r))?.tier).toBe('l1');
    // Control: tenant A's own invalidation in process 1 does reach process 2's L1.
    const [first] = requests as [(typeof requests)[0]];
    await a1.invalidate(first);
    await flush();
    expect(await a2.lookupResponse(first)).toBeUndefined();
    await p1.close();
    await p2.close();
  });

  it("tenant B's invalidateTags in one process never invalidates tenant A's entries in another", async () => {
    const hub = createLocalBusHub();
    const backend = new MemoryBackend();
    const p1 = createCache({ backend, bus: hub.createBus() });
    const p2 = createCache({ backend, bus: hub.createBus() });
    await p2.namespace('tenant-a').set('k', 'A', { tags: ['shared'] });
    await p1.namespace('tenant-b').invalidateTags(['shared']);
    await flush();
    expect(await p2.namespace('tenant-a').get('k')).toBe('A');
    expect(await p1.namespace('tenant-a').get('k')).toBe('A');
    // Control: tenant A's own tag invalidation reaches the other process.
    await p1.namespace('tenant-a').invalidateTags(['shared']);
    await flush();
    expect(await p2.namespace('tenant-a').get('k')).toBeUndefined();
  });
});
