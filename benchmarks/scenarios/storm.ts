/**
 * Scenario 4: getOrSet miss storm. 1,000 concurrent `getOrSet` calls for one missing key: how
 * many times the producer runs (must be 1) and how long until all 1,000 callers have their
 * value. Limit: a hand-written in-process dedupe (`Map<key, Promise>`, no cache at all).
 *
 * @module
 */
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';
import { RedisBackend } from '../../src/backends/redis.js';
import { formatDuration } from '../../src/benchmark/format.js';
import { createCache } from '../../src/cache/cache.js';
import { type BenchContext, type CaseSpec, type Metrics, runCases, sleep } from '../harness.js';
import { chatCompletion } from '../payload.js';
import { rowsOf, type ScenarioOutput, type Target } from '../report.js';

const CALLERS = 1000;
const PRODUCER_MS = 10;
const LIMIT = 'limit: Map<key, Promise> dedupe, no cache';

type GetOrSet = (key: string, producer: () => Promise<unknown>) => Promise<unknown>;

/** One storm per round on a fresh key; tracks the largest producer count seen. */
function stormCase(
  name: string,
  kind: CaseSpec['kind'],
  getOrSet: GetOrSet,
  producerMs: number,
  stats: Map<string, { maxCalls: number; storms: number; wrong: number }>,
): CaseSpec {
  const value = chatCompletion(2048, 77);
  let storm = 0;
  const record = { maxCalls: 0, storms: 0, wrong: 0 };
  stats.set(name, record);
  return {
    name,
    kind,
    run: async (): Promise<Metrics> => {
      const key = `storm:${name.replace(/[^a-z0-9]+/gi, '-')}:${storm++}`;
      let calls = 0;
      const producer = async () => {
        calls++;
        if (producerMs > 0) await sleep(producerMs);
        else await new Promise((r) => setImmediate(r));
        return value;
      };
      const t0 = performance.now();
      const results = await Promise.all(Array.from({ length: CALLERS }, () => getOrSet(key, producer)));
      const ms = performance.now() - t0;
      const wrong = results.filter((r) => (r as { id?: string } | undefined)?.id !== value.id).length;
      record.maxCalls = Math.max(record.maxCalls, calls);
      record.storms++;
      record.wrong += wrong;
      return { ms, calls };
    },
  };
}

/** Runs scenario 4. */
export async function stormScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const url = ctx.redisUrl;
  const { hostname, port } = new URL(url);
  const withRedis = createCache({ prefix: 'bstorm-r', backend: new RedisBackend({ url }) });
  const l1Only = createCache({ prefix: 'bstorm-m' });
  await withRedis.connect();
  const bento = new BentoCache({
    default: 'c',
    prefix: 'bstorm-bento',
    stores: {
      c: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 1000 }))
        .useL2Layer(redisDriver({ connection: { host: hostname, port: Number(port) } })),
    },
  });
  const inflight = new Map<string, Promise<unknown>>();
  const dedupe: GetOrSet = (key, producer) => {
    let p = inflight.get(key);
    if (!p) {
      p = producer().finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  };
  const stats = new Map<string, { maxCalls: number; storms: number; wrong: number }>();
  const OURS_REDIS = `ours getOrSet (L1 + Redis), ${PRODUCER_MS} ms producer`;
  const OURS_L1 = `ours getOrSet (L1 only), ${PRODUCER_MS} ms producer`;
  const OURS_FAST = 'ours getOrSet (L1 + Redis), instant producer';
  const cases: CaseSpec[] = [
    stormCase(LIMIT, 'limit', dedupe, PRODUCER_MS, stats),
    stormCase(OURS_REDIS, 'ours', (k, p) => withRedis.getOrSet(k, p), PRODUCER_MS, stats),
    stormCase(OURS_L1, 'ours', (k, p) => l1Only.getOrSet(k, p), PRODUCER_MS, stats),
    stormCase(OURS_FAST, 'ours', (k, p) => withRedis.getOrSet(k, p), 0, stats),
    stormCase(
      `bentocache getOrSet (L1 + Redis), ${PRODUCER_MS} ms producer`,
      'competitor',
      (key, factory) => bento.getOrSet({ key, factory }),
      PRODUCER_MS,
      stats,
    ),
  ];
  ctx.log(`  ${CALLERS} concurrent misses, ${cases.length} cases`);
  let results: Awaited<ReturnType<typeof runCases>>;
  try {
    results = await runCases({ ...ctx, rounds: ctx.rounds * (ctx.quick ? 2 : 3) }, cases, {
      metric: 'ms',
      better: 'lower',
      limit: LIMIT,
      calibrate: 1,
      maxIterations: 1,
    });
  } finally {
    await withRedis.close();
    await l1Only.close();
    await bento.disconnectAll();
  }
  const rows = rowsOf(results, (r) => {
    const s = stats.get(r.name);
    if (!s) return undefined;
    const wrong = s.wrong > 0 ? `, ${s.wrong} wrong values` : '';
    return `max ${s.maxCalls} producer call${s.maxCalls === 1 ? '' : 's'} over ${s.storms} storms${wrong}`;
  });
  for (const row of rows) row.values.calls = stats.get(row.name)?.maxCalls ?? Number.NaN;
  const ours = [OURS_REDIS, OURS_L1, OURS_FAST].map((name) => ({ name, s: stats.get(name) }));
  const worst = Math.max(...ours.map((o) => o.s?.maxCalls ?? Number.POSITIVE_INFINITY));
  const wrong = ours.reduce((n, o) => n + (o.s?.wrong ?? 0), 0);
  const targets: Target[] = [
    {
      label: `Miss storm: producer calls for ${CALLERS} concurrent identical misses`,
      expectation: 'exactly 1 (every storm)',
      measured: `max ${worst} over ${ours.reduce((n, o) => n + (o.s?.storms ?? 0), 0)} storms${wrong ? `, ${wrong} wrong values` : ''}`,
      pass: worst === 1 && wrong === 0,
    },
  ];
  return {
    sections: [
      {
        id: 'storm',
        title: `getOrSet miss storm: ${CALLERS} concurrent identical misses`,
        description: `Time until all ${CALLERS} callers have the value (2 KB response; the producer sleeps ${PRODUCER_MS} ms unless "instant"). Producer calls: the most seen in any storm.`,
        columns: [
          { key: 'ms', label: 'time to serve all', format: formatDuration },
          { key: 'calls', label: 'producer calls', format: (v) => String(v) },
        ],
        ratioLabel: 'time vs limit',
        rows,
      },
    ],
    targets,
  };
}
