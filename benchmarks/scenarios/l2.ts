/**
 * Scenario 2: L2 hits (L1 off). Our read path over Redis against the hand-written limit
 * "ioredis getBuffer + lz4 uncompress + JSON.parse", sequentially (p50 / p99 per call) and with
 * 64 calls in flight (ops/s), and against bentocache and cacheable on the same Redis.
 *
 * The limit is measured with a plain ioredis client and with one using auto-pipelining (what
 * our backend uses); in each round the faster of the two is the limit.
 *
 * @module
 */

import { createKeyv } from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { redisDriver } from 'bentocache/drivers/redis';
import { Cacheable } from 'cacheable';
import { Redis } from 'ioredis';
import { compressSync, uncompressSync } from 'lz4-napi';
import { AIResponseCache } from '../../src/ai-cache/ai-response-cache.js';
import { RedisBackend } from '../../src/backends/redis.js';
import { formatDuration, formatRate, formatRatio } from '../../src/benchmark/format.js';
import { type Cache, createCache } from '../../src/cache/cache.js';
import {
  type BenchContext,
  byName,
  type CaseResult,
  type CaseSpec,
  IN_FLIGHT,
  pairedCost,
  runSequentialAndInFlight,
} from '../harness.js';
import { chatCompletion, prompt } from '../payload.js';
import { rowsOf, type ScenarioOutput, type Section, type Target } from '../report.js';

const KEYS = 256;

export const LIMIT_PLAIN = 'limit: ioredis getBuffer + lz4 + JSON.parse';
export const LIMIT_PIPELINED = 'limit, auto-pipelining client';
const OURS = 'ours cache.get (L1 off)';

/** A Redis-backed system under test: how to fill it and how to read key `i`. */
interface System {
  name: string;
  kind: CaseSpec['kind'];
  note?: string;
  get: (i: number) => Promise<unknown>;
}

/** Clients and caches shared by the L2 and write scenarios. */
export interface RedisSystems {
  plain: Redis;
  pipelined: Redis;
  ours: Cache;
  oursL1: Cache;
  ai: AIResponseCache;
  bento: BentoCache<{ r: ReturnType<typeof bentostore> }>;
  cacheable: Cacheable;
  close(): Promise<void>;
}

/** Connects every Redis-backed system to `url`, each under its own key prefix. */
export async function connectSystems(url: string, prefix: string): Promise<RedisSystems> {
  const { port, hostname } = new URL(url);
  const plain = new Redis(url, { keyPrefix: undefined });
  const pipelined = new Redis(url, { enableAutoPipelining: true });
  const ours = createCache({ prefix: `${prefix}-ours`, l1: false, backend: new RedisBackend({ url }) });
  const oursL1 = createCache({ prefix: `${prefix}-oursl1`, backend: new RedisBackend({ url }) });
  const ai = new AIResponseCache({ redisUrl: url, prefix: `${prefix}-ai`, l1: false });
  const bento = new BentoCache({
    default: 'r',
    prefix: `${prefix}-bento`,
    stores: {
      r: bentostore().useL2Layer(redisDriver({ connection: { host: hostname, port: Number(port) } })),
    },
  });
  const keyv = createKeyv(url, { namespace: `${prefix}-cacheable` });
  const cacheable = new Cacheable({ primary: keyv });
  await Promise.all([ours.connect(), oursL1.connect(), ai.connect(), plain.ping(), pipelined.ping()]);
  return {
    plain,
    pipelined,
    ours,
    oursL1,
    ai,
    bento,
    cacheable,
    async close() {
      await Promise.allSettled([
        ours.close(),
        oursL1.close(),
        ai.close(),
        bento.disconnectAll(),
        cacheable.disconnect(),
        plain.quit(),
        pipelined.quit(),
      ]);
    },
  };
}

function decodeLimit(buffer: Buffer | null): unknown {
  if (buffer === null) throw new Error('limit: miss');
  return JSON.parse(uncompressSync(buffer).toString('utf8'));
}

async function runSize(
  ctx: BenchContext,
  s: RedisSystems,
  size: number,
): Promise<{ sections: Section[]; targets: Target[] }> {
  const values = Array.from({ length: KEYS }, (_, i) => chatCompletion(size, 1000 + i));
  const tag = `l2:${size}`;
  const key = (i: number) => `${tag}:${i & (KEYS - 1)}`;
  const options = { model: 'gpt-4o-mini', temperature: 0 };
  const requests = values.map((_, i) => ({ text: prompt(300, 5000 + i), operation: 'chat', options }));
  const req = (i: number) => requests[i & (KEYS - 1)] as (typeof requests)[number];
  for (let i = 0; i < KEYS; i++) {
    const v = values[i];
    await s.plain.set(key(i), compressSync(Buffer.from(JSON.stringify(v))), 'PX', 3_600_000);
    await s.ours.set(key(i), v);
    await s.ai.cacheResponse({ ...req(i), response: v });
    await s.bento.set({ key: key(i), value: v, ttl: '1h' });
    await s.cacheable.set(key(i), v, '1h');
  }
  const expectHit = async (name: string, got: Promise<unknown>) => {
    const id = ((await got) as { id?: string } | undefined)?.id;
    if (id !== values[5]?.id) throw new Error(`${name}: expected a hit, got ${String(id)}`);
  };
  await expectHit('limit', s.plain.getBuffer(key(5)).then(decodeLimit));
  await expectHit('ours', s.ours.get(key(5)));
  await expectHit('ai', s.ai.getResponse(req(5)));
  await expectHit('bento', s.bento.get({ key: key(5) }));
  await expectHit('cacheable', s.cacheable.get(key(5)));

  const systems: System[] = [
    { name: LIMIT_PLAIN, kind: 'limit', get: (i) => s.plain.getBuffer(key(i)).then(decodeLimit) },
    { name: LIMIT_PIPELINED, kind: 'limit', get: (i) => s.pipelined.getBuffer(key(i)).then(decodeLimit) },
    { name: OURS, kind: 'ours', get: (i) => s.ours.get(key(i)) },
    { name: 'ours ai.getResponse (L1 off)', kind: 'ours', get: (i) => s.ai.getResponse(req(i)) },
    { name: 'bentocache (Redis L2 only)', kind: 'competitor', get: (i) => s.bento.get({ key: key(i) }) },
    {
      name: 'cacheable (Keyv @keyv/redis)',
      kind: 'competitor',
      note: 'no compression',
      get: (i) => s.cacheable.get(key(i)),
    },
  ];
  const limits = [LIMIT_PLAIN, LIMIT_PIPELINED];

  const { seq, par } = await runSequentialAndInFlight(
    ctx,
    `L2 hit ${size} B`,
    systems.map(({ get, ...sys }) => ({ ...sys, op: get })),
    limits,
  );

  const label = `${Math.round(size / 1024)} KB`;
  const sections: Section[] = [
    {
      id: `l2-seq-${size}`,
      title: `L2 hit (L1 off), ${label}, sequential`,
      description:
        'One call at a time over loopback Redis; every call timed. Limit: the faster (per round) of the two hand-written clients.',
      columns: [
        { key: 'p50', label: 'p50', format: formatDuration },
        { key: 'p99', label: 'p99', format: formatDuration },
      ],
      ratioLabel: 'p50 vs limit',
      rows: rowsOf(seq),
    },
    {
      id: `l2-c${IN_FLIGHT}-${size}`,
      title: `L2 hit (L1 off), ${label}, ${IN_FLIGHT} in flight`,
      description: `${IN_FLIGHT} calls kept in flight; throughput over the round's wall time. Ratio: limit ops/s / row ops/s (time per op).`,
      columns: [{ key: 'ops', label: 'ops/s', format: (v) => formatRate(v) }],
      ratioLabel: 'time vs limit',
      rows: rowsOf(par),
    },
  ];
  const targets: Target[] = [];
  if (size === 2048) {
    const ours = { seq: byName(seq, OURS), par: byName(par, OURS) };
    const p50 = ours.seq.ratio;
    const thr = 1 / ours.par.ratio;
    // Against each hand-written client on its own, for the record.
    const each = (results: CaseResult[], metric: string, better: 'lower' | 'higher', invert: boolean) =>
      limits
        .map((name) => {
          const r = pairedCost(byName(results, OURS), byName(results, name), metric, better);
          return `${name === LIMIT_PLAIN ? 'plain client' : 'auto-pipelining client'} ${formatRatio(invert ? 1 / r : r)}`;
        })
        .join(', ');
    targets.push(
      {
        label: 'L2 hit 2 KB: p50 vs hand-written limit',
        expectation: '<= 1.15x',
        measured: `${formatRatio(p50)} (${each(seq, 'p50', 'lower', false)})`,
        pass: p50 <= 1.15,
      },
      {
        label: `L2 hit 2 KB: ${IN_FLIGHT}-in-flight throughput vs limit`,
        expectation: '>= 0.9x',
        measured: `${formatRatio(thr)} (${each(par, 'ops', 'higher', true)})`,
        pass: thr >= 0.9,
      },
    );
  }
  return { sections, targets };
}

/** Runs scenario 2 on 2 KB and 50 KB responses. */
export async function l2Scenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const systems = await connectSystems(ctx.redisUrl, 'bl2');
  const out: ScenarioOutput = { sections: [], targets: [] };
  try {
    for (const size of [2048, 51_200]) {
      const { sections, targets } = await runSize(ctx, systems, size);
      out.sections.push(...sections);
      out.targets.push(...targets);
    }
  } finally {
    await systems.close();
  }
  return out;
}
