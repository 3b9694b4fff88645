/**
 * Scenario 3: writes. `cache.set` of 2 KB and 50 KB responses (with and without L1) against the
 * hand-written limit "JSON.stringify + lz4 + SET PX", sequentially and with 64 in flight, and
 * against bentocache and cacheable; with L1 and an invalidation bus on (what a fleet of
 * processes runs) against bentocache with its memory L1, Redis L2 and Redis bus.
 *
 * @module
 */
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { compressSync } from 'lz4-napi';
import { RedisBackend } from '../../src/backends/redis.js';
import { formatDuration, formatRate, formatRatio } from '../../src/benchmark/format.js';
import { type Cache, createCache } from '../../src/cache/cache.js';
import {
  type BenchContext,
  byName,
  type CaseSpec,
  IN_FLIGHT,
  pairedCost,
  runSequentialAndInFlight,
} from '../harness.js';
import { chatCompletion } from '../payload.js';
import { rowsOf, type ScenarioOutput, type Section, type Target } from '../report.js';
import { connectSystems, type RedisSystems } from './l2.js';

const KEYS = 256;
const TTL_MS = 3_600_000;
const LIMIT_PLAIN = 'limit: JSON.stringify + lz4 + SET PX';
const LIMIT_PIPELINED = 'limit, auto-pipelining client';
const OURS_L1_BUS = 'ours cache.set (L1 on, default bus)';
const BENTO_L1_BUS = 'bentocache set (memory L1 + Redis L2 + Redis bus)';
const OURS_UNCOMPRESSED = "ours cache.set (L1 on, default bus, compression 'none')";

/** bentocache as a fleet runs it: memory L1, Redis L2, Redis bus. */
function bentoWithBus(url: string, prefix: string): BentoCache<{ r: ReturnType<typeof bentostore> }> {
  const { hostname, port } = new URL(url);
  const connection = { host: hostname, port: Number(port) };
  return new BentoCache({
    default: 'r',
    prefix,
    stores: {
      r: bentostore()
        .useL1Layer(memoryDriver({ maxSize: '200mb' }))
        .useL2Layer(redisDriver({ connection }))
        .useBus(redisBusDriver({ connection })),
    },
  });
}

async function runSize(
  ctx: BenchContext,
  s: RedisSystems,
  bento: ReturnType<typeof bentoWithBus>,
  uncompressed: Cache,
  size: number,
): Promise<{ sections: Section[]; targets: Target[] }> {
  const values = Array.from({ length: KEYS }, (_, i) => chatCompletion(size, 2000 + i));
  const key = (i: number) => `w:${size}:${i & (KEYS - 1)}`;
  const value = (i: number) => values[i & (KEYS - 1)];
  const systems: {
    name: string;
    kind: CaseSpec['kind'];
    note?: string;
    set: (i: number) => Promise<unknown>;
  }[] = [
    {
      name: LIMIT_PLAIN,
      kind: 'limit',
      set: (i) => s.plain.set(key(i), compressSync(Buffer.from(JSON.stringify(value(i)))), 'PX', TTL_MS),
    },
    {
      name: LIMIT_PIPELINED,
      kind: 'limit',
      set: (i) => s.pipelined.set(key(i), compressSync(Buffer.from(JSON.stringify(value(i)))), 'PX', TTL_MS),
    },
    {
      name: OURS_L1_BUS,
      kind: 'ours',
      note: 'L1 copy decoded on first read; bus batched (1 ms)',
      set: (i) => s.oursL1.set(key(i), value(i)),
    },
    { name: 'ours cache.set (L1 off)', kind: 'ours', set: (i) => s.ours.set(key(i), value(i)) },
    {
      name: OURS_UNCOMPRESSED,
      kind: 'info',
      note: 'like bentocache: nothing compressed',
      set: (i) => uncompressed.set(key(i), value(i)),
    },
    {
      name: 'bentocache set (Redis L2 only)',
      kind: 'competitor',
      set: (i) => s.bento.set({ key: key(i), value: value(i), ttl: TTL_MS }),
    },
    {
      name: BENTO_L1_BUS,
      kind: 'competitor',
      note: 'no compression; one bus message per set',
      set: (i) => bento.set({ key: key(i), value: value(i), ttl: TTL_MS }),
    },
    {
      name: 'cacheable set (Keyv @keyv/redis)',
      kind: 'competitor',
      note: 'no compression',
      set: (i) => s.cacheable.set(key(i), value(i), TTL_MS),
    },
  ];
  const limits = [LIMIT_PLAIN, LIMIT_PIPELINED];
  const { seq, par } = await runSequentialAndInFlight(
    ctx,
    `write ${size} B`,
    systems.map(({ set, ...sys }) => ({ ...sys, op: set })),
    limits,
  );
  const label = `${Math.round(size / 1024)} KB`;
  // Throughput of ours over bentocache's (both with L1 and a bus): the median of per-round ratios
  // (cost(bento, limit: ours) for a throughput is ours / bento).
  const vsBento = pairedCost(byName(par, BENTO_L1_BUS), byName(par, OURS_L1_BUS), 'ops', 'higher');
  const targets: Target[] = [
    {
      label: `write ${label}, ${IN_FLIGHT} in flight, L1 + bus: cache.set vs bentocache (L1 + L2 + bus)`,
      expectation: '>= 1.00x its throughput',
      measured: `${formatRatio(vsBento)} its throughput`,
      pass: vsBento >= 1,
    },
  ];
  const sections: Section[] = [
    {
      id: `write-seq-${size}`,
      title: `Write, ${label}, sequential`,
      description:
        'One `set` at a time; every call timed. Limit: the faster (per round) of the two hand-written clients.',
      columns: [
        { key: 'p50', label: 'p50', format: formatDuration },
        { key: 'p99', label: 'p99', format: formatDuration },
      ],
      ratioLabel: 'p50 vs limit',
      rows: rowsOf(seq),
    },
    {
      id: `write-c${IN_FLIGHT}-${size}`,
      title: `Write, ${label}, ${IN_FLIGHT} in flight`,
      description: `${IN_FLIGHT} \`set\` calls kept in flight. Ratio: limit ops/s / row ops/s.`,
      columns: [{ key: 'ops', label: 'ops/s', format: (v) => formatRate(v) }],
      ratioLabel: 'time vs limit',
      rows: rowsOf(par),
    },
  ];
  return { sections, targets };
}

/** Runs scenario 3 on 2 KB and 50 KB responses. */
export async function writeScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const systems = await connectSystems(ctx.redisUrl, 'bw');
  const bento = bentoWithBus(ctx.redisUrl, 'bw-bento-bus');
  const uncompressed = createCache({
    prefix: 'bw-ours-raw',
    backend: new RedisBackend({ url: ctx.redisUrl }),
    compression: { codec: 'none' },
  });
  const out: ScenarioOutput = { sections: [], targets: [] };
  try {
    for (const size of [2048, 51_200]) {
      const { sections, targets } = await runSize(ctx, systems, bento, uncompressed, size);
      out.sections.push(...sections);
      out.targets.push(...targets);
    }
  } finally {
    await Promise.allSettled([systems.close(), bento.disconnectAll(), uncompressed.close()]);
  }
  return out;
}
