/**
 * Scenario 1: L1 hits. A hit must cost a map lookup, not a decode: our `cache.get` (each
 * protection mode) and `ai.getResponse` against `lru-cache` itself (sync and awaited) and the
 * in-memory tiers of bentocache, cacheable and cache-manager.
 *
 * Sub-microsecond operations are timed in batches of {@link BATCH} calls; a row's figure is the
 * median batch's time per call.
 *
 * @module
 */
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { createCache as createCacheManager } from 'cache-manager';
import { CacheableMemory } from 'cacheable';
import { LRUCache } from 'lru-cache';
import { AIResponseCache } from '../../src/ai-cache/ai-response-cache.js';
import { formatDuration, formatRate, formatRatio } from '../../src/benchmark/format.js';
import { measure, measureSync, percentile } from '../../src/benchmark/measure.js';
import { createCache } from '../../src/cache/cache.js';
import type { L1Protection } from '../../src/cache/l1.js';
import { type BenchContext, byName, type CaseSpec, type Metrics, pairedCost, runCases } from '../harness.js';
import { chatCompletion, prompt } from '../payload.js';
import { rowsOf, type ScenarioOutput, type Section, type Target } from '../report.js';

const KEYS = 256;
const BATCH = 500;
const ns = (v: number) => formatDuration(v / 1e6);

/** Figures of a batch-timed round: median ns per call, and the matching ops/s. */
function batchMetrics(samples: Float64Array): Metrics {
  const nsPerOp = percentile(samples, 50) * 1e6;
  return { ns: nsPerOp, ops: 1e9 / nsPerOp };
}

function asyncCase(name: string, kind: CaseSpec['kind'], fn: (i: number) => Promise<unknown>, note?: string) {
  return {
    name,
    kind,
    ...(note ? { note } : {}),
    run: async (n: number) => batchMetrics((await measure(fn, { iterations: n, batch: BATCH })).samples),
  } satisfies CaseSpec;
}

function check(name: string, got: unknown, expected: { id: string }): void {
  const id = (got as { id?: unknown } | undefined)?.id;
  if (id !== expected.id)
    throw new Error(`${name}: expected a hit with id ${expected.id}, got ${String(id)}`);
}

export const OURS_GET = 'ours cache.get (freeze, default)';
export const BENTO_RAW = 'bentocache memory, serialize: false';
export const AWAIT_LRU = 'await lru-cache .get()';

async function runSize(ctx: BenchContext, size: number): Promise<{ section: Section; targets: Target[] }> {
  const values = Array.from({ length: KEYS }, (_, i) => chatCompletion(size, i + 1));
  // Each cache holds its own decoded copy, as it would after a parse.
  const copy = (i: number) => JSON.parse(JSON.stringify(values[i])) as (typeof values)[number];
  // Keys in the common `kind:id` style; `:` is escaped by our key builder (its cost is shown by
  // the row with plain keys).
  const keys = values.map((_, i) => `chat:${i}`);
  const plainKeys = values.map((_, i) => `chat-${i}`);
  const k = (i: number) => keys[i & (KEYS - 1)] as string;
  const pk = (i: number) => plainKeys[i & (KEYS - 1)] as string;

  const lru = new LRUCache<string, object>({ max: 1000 });
  for (let i = 0; i < KEYS; i++) lru.set(keys[i] as string, copy(i));

  const ours = new Map<L1Protection, ReturnType<typeof createCache>>();
  for (const protection of ['freeze', 'copy', 'none'] as const) {
    const cache = createCache({ l1: { protection, maxEntries: 1000 } });
    for (let i = 0; i < KEYS; i++) await cache.set(keys[i] as string, values[i]);
    if (protection === 'freeze')
      for (let i = 0; i < KEYS; i++) await cache.set(plainKeys[i] as string, values[i]);
    check(`cache ${protection}`, await cache.get(keys[3] as string), values[3] as { id: string });
    ours.set(protection, cache);
  }

  const ai = new AIResponseCache({ l1: { maxEntries: 1000 } });
  await ai.connect();
  const options = { model: 'gpt-4o-mini', temperature: 0 };
  const requests = values.map((_, i) => ({ text: prompt(300, i), operation: 'chat', options }));
  for (let i = 0; i < KEYS; i++) {
    await ai.cacheResponse({ ...(requests[i] as (typeof requests)[number]), response: values[i] });
  }
  check('ai', await ai.getResponse(requests[3] as (typeof requests)[number]), values[3] as { id: string });
  const req = (i: number) => requests[i & (KEYS - 1)] as (typeof requests)[number];

  const bento = new Map<boolean, BentoCache<{ m: ReturnType<typeof bentostore> }>>();
  for (const serialize of [true, false]) {
    const b = new BentoCache({
      default: 'm',
      stores: { m: bentostore().useL1Layer(memoryDriver({ maxItems: 1000, serialize })) },
    });
    for (let i = 0; i < KEYS; i++) await b.set({ key: keys[i] as string, value: copy(i) });
    check(`bento ${serialize}`, await b.get({ key: keys[3] as string }), values[3] as { id: string });
    bento.set(serialize, b);
  }

  const cacheable = new CacheableMemory({ lruSize: 1000 });
  for (let i = 0; i < KEYS; i++) cacheable.set(keys[i] as string, copy(i));
  const manager = createCacheManager();
  for (let i = 0; i < KEYS; i++) await manager.set(keys[i] as string, copy(i));

  const oursCase = (protection: L1Protection, label: string) => {
    const cache = ours.get(protection) as ReturnType<typeof createCache>;
    return asyncCase(label, 'ours', (i) => cache.get(k(i)));
  };
  const bentoOf = (serialize: boolean) =>
    bento.get(serialize) as BentoCache<{ m: ReturnType<typeof bentostore> }>;
  const cases: CaseSpec[] = [
    {
      name: 'lru-cache .get() (sync)',
      kind: 'info',
      note: 'sync floor',
      run: async (n) =>
        batchMetrics(measureSync((i) => lru.get(k(i)), { iterations: n, batch: BATCH }).samples),
    },
    asyncCase(AWAIT_LRU, 'limit', async (i) => lru.get(k(i))),
    oursCase('freeze', OURS_GET),
    asyncCase(
      'ours cache.get (freeze), key without ":"',
      'ours',
      (i) => (ours.get('freeze') as ReturnType<typeof createCache>).get(pk(i)),
      'nothing to escape',
    ),
    oursCase('copy', 'ours cache.get (copy)'),
    oursCase('none', 'ours cache.get (none)'),
    asyncCase(
      'ours ai.getResponse (freeze)',
      'ours',
      (i) => ai.getResponse(req(i)),
      'key: escape + 2 hashes',
    ),
    asyncCase('bentocache memory (default)', 'competitor', (i) => bentoOf(true).get({ key: k(i) })),
    asyncCase(BENTO_RAW, 'competitor', (i) => bentoOf(false).get({ key: k(i) })),
    {
      name: 'cacheable CacheableMemory (sync)',
      kind: 'competitor',
      note: 'useClone: true (default)',
      run: async (n) =>
        batchMetrics(measureSync((i) => cacheable.get(k(i)), { iterations: n, batch: BATCH }).samples),
    },
    asyncCase('cache-manager 7 (Keyv memory)', 'competitor', (i) => manager.get(k(i))),
  ];
  ctx.log(`  L1 hit ${size} B: ${cases.length} cases`);
  const results = await runCases(ctx, cases, {
    metric: 'ns',
    better: 'lower',
    limit: AWAIT_LRU,
    calibrate: 2000,
    minIterations: BATCH * 10,
  });

  for (const b of bento.values()) await b.disconnectAll();
  await ai.close();
  for (const c of ours.values()) await c.close();

  const label = size >= 10_000 ? `${Math.round(size / 1024)} KB` : `${(size / 1024).toFixed(0)} KB`;
  const section: Section = {
    id: `l1-${size}`,
    title: `L1 hit, ${label} chat.completion`,
    description: `Awaited \`get\` of a present key (\`chat:<n>\`, ${KEYS} keys cycled), timed in batches of ${BATCH}. Limit: \`await lruCache.get(key)\`. Targets use the default row (\`freeze\`, \`chat:<n>\` keys).`,
    columns: [
      { key: 'ns', label: 'time/op', format: ns },
      { key: 'ops', label: 'ops/s', format: (v) => formatRate(v, true) },
    ],
    ratioLabel: 'time vs limit',
    rows: rowsOf(results),
  };
  const targets: Target[] = [];
  if (size === 2048) {
    const ourCase = byName(results, OURS_GET);
    const vsBento = pairedCost(byName(results, BENTO_RAW), ourCase, 'ns', 'lower');
    const ofFloor = pairedCost(byName(results, AWAIT_LRU), ourCase, 'ns', 'lower');
    targets.push(
      {
        label: 'L1 hit 2 KB: cache.get vs bentocache (serialize: false)',
        expectation: '>= 4x faster',
        measured: `${formatRatio(vsBento)} faster`,
        pass: vsBento >= 4,
      },
      {
        label: 'L1 hit 2 KB: cache.get vs await lruCache.get floor',
        expectation: '>= 25% of its speed',
        measured: `${(ofFloor * 100).toFixed(0)}%`,
        pass: ofFloor >= 0.25,
      },
    );
  }
  return { section, targets };
}

/** Runs scenario 1 on 2 KB and 50 KB responses. */
export async function l1Scenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const out: ScenarioOutput = { sections: [], targets: [] };
  for (const size of [2048, 51_200]) {
    const { section, targets } = await runSize(ctx, size);
    out.sections.push(section);
    out.targets.push(...targets);
  }
  return out;
}
