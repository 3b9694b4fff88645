/**
 * Scenario 3: writes. `cache.set` of 2 KB and 50 KB responses (with and without L1) against the
 * hand-written limit "JSON.stringify + lz4 + SET PX", sequentially and with 64 in flight.
 *
 * @module
 */
import { compressSync } from 'lz4-napi';
import { formatDuration, formatRate } from '../../src/benchmark/format.js';
import { type BenchContext, type CaseSpec, IN_FLIGHT, runSequentialAndInFlight } from '../harness.js';
import { chatCompletion } from '../payload.js';
import { rowsOf, type ScenarioOutput, type Section } from '../report.js';
import { connectSystems, type RedisSystems } from './l2.js';

const KEYS = 256;
const TTL_MS = 3_600_000;
const LIMIT_PLAIN = 'limit: JSON.stringify + lz4 + SET PX';
const LIMIT_PIPELINED = 'limit, auto-pipelining client';

async function runSize(ctx: BenchContext, s: RedisSystems, size: number): Promise<Section[]> {
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
      name: 'ours cache.set (L1 on, freeze)',
      kind: 'ours',
      note: 'also decodes + freezes the L1 copy',
      set: (i) => s.oursL1.set(key(i), value(i)),
    },
    { name: 'ours cache.set (L1 off)', kind: 'ours', set: (i) => s.ours.set(key(i), value(i)) },
    {
      name: 'bentocache set (Redis L2 only)',
      kind: 'competitor',
      set: (i) => s.bento.set({ key: key(i), value: value(i), ttl: TTL_MS }),
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
  return [
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
}

/** Runs scenario 3 on 2 KB and 50 KB responses. */
export async function writeScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const systems = await connectSystems(ctx.redisUrl, 'bw');
  const out: ScenarioOutput = { sections: [], targets: [] };
  try {
    for (const size of [2048, 51_200]) out.sections.push(...(await runSize(ctx, systems, size)));
  } finally {
    await systems.close();
  }
  return out;
}
