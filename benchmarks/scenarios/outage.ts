/**
 * Scenario 8: Redis down. A redis-server of its own (not the shared one) is filled, then killed
 * with SIGKILL and not restarted. Once the backend's circuit breaker has opened (or, with a
 * backend without a breaker, once the cache reports itself degraded), it times `cache.get` on
 * keys that were stored, and `withCache(openai)` misses (an `AIResponseCache` on that Redis,
 * with its lock and bus, in front of the local mock OpenAI server) against the same requests
 * sent by the bare client: the difference is what the dead cache costs a call. Also times
 * `close()` of both with Redis dead.
 *
 * Targets (issue 9): `cache.get` p99 <= 5 ms; a `withCache` miss p99 <= the upstream's p99 + 50 ms.
 *
 * @module
 */
import OpenAI from 'openai';
import { startMockOpenAI } from '../../examples/mock-openai/server.js';
import { AIResponseCache } from '../../src/ai-cache/ai-response-cache.js';
import { RedisBackend } from '../../src/backends/redis.js';
import type { CacheBackend } from '../../src/backends/types.js';
import { formatDuration } from '../../src/benchmark/format.js';
import { percentile } from '../../src/benchmark/measure.js';
import { createCache } from '../../src/cache/cache.js';
import { withCache } from '../../src/integrations/openai/index.js';
import { startRedisServer } from '../../test/helpers/redis-server.js';
import { type BenchContext, sleep } from '../harness.js';
import type { Row, ScenarioOutput, Target } from '../report.js';

const KEYS = 200;
const GET_TARGET_MS = 5;
const MISS_EXTRA_TARGET_MS = 50;
/** Simulated upstream latency of a non-streaming answer. */
const UPSTREAM_MS = 100;

/** Sorted durations (ms) of `n` sequential calls, stopping early past `maxMs` in total. */
async function timeCalls(n: number, maxMs: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  const until = performance.now() + maxMs;
  for (let i = 0; i < n && performance.now() < until; i++) {
    const t0 = performance.now();
    await call(i);
    samples.push(performance.now() - t0);
  }
  return samples.sort((a, b) => a - b);
}

/** Waits until `ready()` holds (polling every 20 ms, at most `maxMs`); resolves whether it did. */
async function until(ready: () => boolean | Promise<boolean>, maxMs: number): Promise<boolean> {
  const deadline = performance.now() + maxMs;
  while (performance.now() < deadline) {
    if (await ready()) return true;
    await sleep(20);
  }
  return false;
}

const row = (name: string, kind: Row['kind'], samples: number[], note?: string): Row => ({
  name,
  kind,
  values: { p50: percentile(samples, 50), p99: percentile(samples, 99), n: samples.length },
  ratio: undefined,
  ...(note ? { note } : {}),
});

/** Runs scenario 8. */
export async function outageScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const server = await startRedisServer();
  const upstream = await startMockOpenAI({
    latencyMs: { firstTokenMs: UPSTREAM_MS / 2, perChunkMs: 0, responseMs: UPSTREAM_MS },
  });
  const client = new OpenAI({ baseURL: upstream.url, apiKey: 'sk-bench-not-a-secret', maxRetries: 0 });
  const backend = new RedisBackend({ url: server.url });
  const cache = createCache({ prefix: 'boutage', backend, l1: false });
  const ai = new AIResponseCache({ prefix: 'boutage-ai', redisUrl: server.url });
  const wrapped = withCache(client, { cache: ai });
  const ask = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }] });
  const closes: Row[] = [];
  const targets: Target[] = [];
  let killed = false;
  try {
    await cache.connect();
    await ai.connect();
    for (let i = 0; i < KEYS; i++) await cache.set(`k${i}`, { i, text: 'x'.repeat(500) });
    await wrapped.chat.completions.create(ask('warm-up'));

    process.kill(server.pid as number, 'SIGKILL');
    killed = true;
    // `health` is the breaker of backends that have one (RedisBackend once it has its breaker).
    const health = (backend as CacheBackend).health;
    const breaker = health !== undefined;
    const opened = await until(async () => {
      if (breaker) return health?.state === 'open' && ai.cache.backend?.health?.state === 'open';
      await cache.get('k0');
      await ai.getResponse({ text: 'probe', operation: 'probe' });
      return cache.stats().degraded && ai.stats().degraded;
    }, 15_000);
    const state = breaker
      ? `breaker ${health?.state} (opened ${health?.opened}x)`
      : 'no circuit breaker on this RedisBackend: measured once degraded';
    ctx.log(`  redis-server killed; ${opened ? '' : 'NOT '}detected: ${state}`);

    const gets = await timeCalls(ctx.quick ? 300 : 1000, 20_000, (i) => cache.get(`k${i % KEYS}`));
    const n = ctx.quick ? 10 : 30;
    const bare = await timeCalls(n, 30_000, (i) => client.chat.completions.create(ask(`bare ${i}`)));
    const misses = await timeCalls(n, 30_000, (i) => wrapped.chat.completions.create(ask(`miss ${i}`)));

    const t0 = performance.now();
    await cache.close();
    closes.push(row('cache.close() with Redis dead', 'info', [performance.now() - t0]));
    const t1 = performance.now();
    await ai.close();
    closes.push(row('ai.close() with Redis dead (backend, lock, bus)', 'info', [performance.now() - t1]));

    const getP99 = percentile(gets, 99);
    const extraP99 = percentile(misses, 99) - percentile(bare, 99);
    targets.push(
      {
        label: 'Redis killed, breaker open: cache.get p99',
        expectation: `<= ${GET_TARGET_MS} ms`,
        measured: `${formatDuration(getP99)} (${state})`,
        pass: opened ? getP99 <= GET_TARGET_MS : false,
      },
      {
        label: 'Redis killed: withCache(openai) miss p99 minus upstream p99',
        expectation: `<= ${MISS_EXTRA_TARGET_MS} ms`,
        measured: `${formatDuration(extraP99)} (miss p99 ${formatDuration(percentile(misses, 99))}, upstream p99 ${formatDuration(percentile(bare, 99))})`,
        pass: opened ? extraP99 <= MISS_EXTRA_TARGET_MS : false,
      },
    );
    return {
      sections: [
        {
          id: 'outage',
          title: 'Redis killed (SIGKILL, not restarted)',
          description: `Once the outage was detected (${state}): \`cache.get\` of stored keys (L1 off), and \`withCache(openai)\` misses vs the bare client against a mock upstream answering in ${UPSTREAM_MS} ms. Also the time \`close()\` takes with Redis dead.`,
          columns: [
            { key: 'p50', label: 'p50', format: formatDuration },
            { key: 'p99', label: 'p99', format: formatDuration },
            { key: 'n', label: 'calls', format: (v) => String(v) },
          ],
          ratioLabel: 'p99 vs limit',
          rows: [
            row('ours cache.get (Redis dead)', 'ours', gets),
            row('limit: bare openai client (upstream only)', 'limit', bare),
            {
              ...row('ours withCache(openai) miss (Redis dead)', 'ours', misses),
              ratio: percentile(misses, 99) / percentile(bare, 99),
            },
            ...closes,
          ],
        },
      ],
      targets,
    };
  } finally {
    await Promise.allSettled([cache.close(), ai.close()]);
    await upstream.close();
    if (killed) await server.stop().catch(() => {});
    else await server.stop();
  }
}
