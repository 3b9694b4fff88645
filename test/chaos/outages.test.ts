/**
 * Chaos: a real redis-server (started and signalled by pid by the test) is killed with SIGKILL
 * and not restarted, frozen with SIGSTOP then resumed, or stopped and restarted, while ~100
 * concurrent callers loop on `createCache` (get / set / getOrSet), on `AIResponseCache`
 * (getResponse / cacheResponse) or on `withCache(openai)` against the local mock OpenAI server.
 *
 * Asserted as counts, not wall-clock figures: 0 failed calls, 0 unhandled rejections, no wrong
 * answer (every `withCache` call got the upstream's answer), the circuit breaker opened
 * (`backend.health.opened >= 1`) and closed again after recovery, caching resumes by itself,
 * and the longest call stays within the upstream time + 3 x `commandTimeoutMs` (plus twice
 * the worst event-loop delay measured during the run, so a loaded machine does not flake).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { RedisBackend } from '../../src/backends/redis.js';
import type { CacheBackend } from '../../src/backends/types.js';
import { createCache } from '../../src/cache/cache.js';
import { AIResponseCache } from '../../src/index.js';
import { withCache } from '../../src/integrations/openai/index.js';
import {
  type CallReport,
  countUnhandledRejections,
  type LoadResult,
  quantile,
  startLoad,
} from '../helpers/chaos.js';
import { describeRedisKind, uniqueCachePrefix } from '../helpers/redis.js';
import { type RedisServerHandle, sleep, startRedisServer } from '../helpers/redis-server.js';

/** The configured command timeout of every Redis client of this suite. */
const COMMAND_TIMEOUT_MS = 100;
/** Latency of the mock OpenAI server's non-streaming answers. */
const UPSTREAM_MS = 20;
const CALLERS = 100;
const PROMPTS = 30;

/** A system under load: its calls, its backend, and how to check it. */
interface Subject {
  readonly backend: CacheBackend;
  call(caller: number, i: number): Promise<CallReport>;
  /** Answers that were not what was stored / what the upstream says. */
  wrongAnswers(): number;
  /** Longest upstream call seen so far (ms; 0 without upstream). */
  upstreamMaxMs(): number;
  /** Writes a fresh entry through the subject and tells whether it reached Redis. */
  writeReachesRedis(raw: Redis): Promise<boolean>;
  close(): Promise<void>;
}

let mock: MockOpenAI;
/** The answer the upstream gives to each prompt (the mock is deterministic). */
const expectedAnswers: string[] = [];
const unhandled = countUnhandledRejections();
const prompt = (n: number) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content: `chaos prompt number ${n}` }],
});

beforeAll(async () => {
  mock = await startMockOpenAI({ latencyMs: { firstTokenMs: 5, perChunkMs: 1, responseMs: UPSTREAM_MS } });
  const direct = new OpenAI({ baseURL: mock.url, apiKey: 'test', maxRetries: 0 });
  for (let n = 0; n < PROMPTS; n++) {
    const answer = await direct.chat.completions.create(prompt(n));
    expectedAnswers.push(answer.choices[0]?.message.content ?? '');
  }
});

afterAll(async () => {
  unhandled.dispose();
  await mock?.close();
});

const subjects: Record<string, (url: string) => Subject> = {
  createCache: (url) => {
    const backend = new RedisBackend({ url, commandTimeoutMs: COMMAND_TIMEOUT_MS, connectTimeoutMs: 1000 });
    const cache = createCache({ prefix: uniqueCachePrefix('chaos-cache'), backend, l1: false });
    let wrong = 0;
    const check = (value: unknown, key: string) => {
      if (value !== undefined && (value as { key?: unknown }).key !== key) wrong++;
    };
    return {
      backend,
      call: async (caller, i) => {
        const key = `k${(caller * 7 + i) % 200}`;
        const step = i % 3;
        if (step === 0) check(await cache.get(key), key);
        else if (step === 1) await cache.set(key, { key, caller, i });
        else check(await cache.getOrSet(key, () => ({ key, caller, i })), key);
        return undefined;
      },
      wrongAnswers: () => wrong,
      upstreamMaxMs: () => 0,
      writeReachesRedis: async (raw) => {
        const result = await cache.set(`probe:${Math.random()}`, { key: 'probe' });
        return (await raw.exists(result.key)) === 1;
      },
      close: () => cache.close(),
    };
  },

  AIResponseCache: (url) => {
    const ai = new AIResponseCache({
      redis: { url, commandTimeoutMs: COMMAND_TIMEOUT_MS, connectTimeoutMs: 1000 },
      prefix: uniqueCachePrefix('chaos-ai'),
      l1: false,
    });
    let wrong = 0;
    return {
      backend: ai.cache.backend as CacheBackend,
      call: async (caller, i) => {
        const n = (caller * 7 + i) % 200;
        const request = { text: `document ${n}`, operation: 'summarize', options: { model: 'm' } };
        const hit = await ai.getResponse<{ n: number }>(request);
        if (hit === undefined) await ai.cacheResponse({ ...request, response: { n } });
        else if (hit.n !== n) wrong++;
        return undefined;
      },
      wrongAnswers: () => wrong,
      upstreamMaxMs: () => 0,
      writeReachesRedis: async (raw) => {
        const result = await ai.cache.set(`probe:${Math.random()}`, 'probe');
        return (await raw.exists(result.key)) === 1;
      },
      close: () => ai.close(),
    };
  },

  'withCache(openai)': (url) => {
    const ai = new AIResponseCache({
      redis: { url, commandTimeoutMs: COMMAND_TIMEOUT_MS, connectTimeoutMs: 1000 },
      prefix: uniqueCachePrefix('chaos-oai'),
      l1: false,
    });
    // Upstream time of each call, measured around the HTTP exchange (body included).
    const upstream = new AsyncLocalStorage<{ ms: number }>();
    let upstreamMax = 0;
    const timedFetch: typeof fetch = async (input, init) => {
      const started = performance.now();
      try {
        const response = await fetch(input, init);
        const body = await response.arrayBuffer();
        return new Response(body, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      } finally {
        const ms = performance.now() - started;
        upstreamMax = Math.max(upstreamMax, ms);
        const store = upstream.getStore();
        if (store) store.ms += ms;
      }
    };
    const openai = withCache(
      new OpenAI({ baseURL: mock.url, apiKey: 'test', maxRetries: 0, fetch: timedFetch }),
      {
        cache: ai,
      },
    );
    let wrong = 0;
    return {
      backend: ai.cache.backend as CacheBackend,
      call: (caller, i) => {
        const n = (caller * 7 + i) % PROMPTS;
        const store = { ms: 0 };
        return upstream.run(store, async () => {
          const answer = await openai.chat.completions.create(prompt(n));
          if (answer.choices[0]?.message.content !== expectedAnswers[n]) wrong++;
          return { upstreamMs: store.ms };
        });
      },
      wrongAnswers: () => wrong,
      upstreamMaxMs: () => upstreamMax,
      writeReachesRedis: async (raw) => {
        const result = await ai.cache.set(`probe:${Math.random()}`, 'probe');
        return (await raw.exists(result.key)) === 1;
      },
      close: () => ai.close(),
    };
  },
};

/** How a fault is applied, and whether the server comes back. */
const faults: Record<string, { recovers: boolean; apply(server: RedisServerHandle): Promise<void> }> = {
  'kill -9, not restarted': {
    recovers: false,
    apply: async (server) => {
      await server.kill();
      await sleep(800);
    },
  },
  'SIGSTOP, then SIGCONT': {
    recovers: true,
    apply: async (server) => {
      server.pause();
      await sleep(700);
      server.resume();
    },
  },
  'stop, then restart': {
    recovers: true,
    apply: async (server) => {
      await server.stop();
      await sleep(500);
      await server.start();
    },
  },
};

describeRedisKind('chaos', 'Chaos: Redis killed, frozen and restarted under ~100 concurrent callers', () => {
  let server: RedisServerHandle | undefined;
  let subject: Subject | undefined;
  let raw: Redis | undefined;

  afterEach(async () => {
    await subject?.close();
    raw?.disconnect();
    await server?.stop();
    subject = undefined;
    raw = undefined;
    server = undefined;
  });

  for (const [subjectName, makeSubject] of Object.entries(subjects)) {
    for (const [faultName, fault] of Object.entries(faults)) {
      it(`${subjectName}: ${faultName}`, async () => {
        server = await startRedisServer();
        raw = new Redis(server.url, { maxRetriesPerRequest: 1 });
        raw.on('error', () => {});
        const s = makeSubject(server.url);
        subject = s;
        const unhandledBefore = unhandled.count;

        const load = startLoad((caller, i) => s.call(caller, i), { callers: CALLERS });
        await load.settle(CALLERS * 3);
        load.phase('outage');
        // Calls that start while the breaker is open are measured apart (the fast-fail path).
        const unsubscribe = s.backend.health?.onChange((change) => {
          if (change.state === 'open') load.phase('breaker-open');
        });
        await fault.apply(server);
        if (!fault.recovers) await load.settle(CALLERS * 2);

        let resumed = false;
        if (fault.recovers) {
          load.phase('recovery');
          // Caching resumes by itself: a write through the subject reaches Redis again.
          const deadline = Date.now() + 8000;
          while (!resumed && Date.now() < deadline) {
            resumed = await s.writeReachesRedis(raw).catch(() => false);
            if (!resumed) await sleep(50);
          }
          load.phase('recovered');
        }
        await load.settle(CALLERS * 2);
        const result: LoadResult = await load.stop();
        unsubscribe?.();
        const context = JSON.stringify({
          calls: result.calls,
          failed: result.failed,
          maxMs: Math.round(result.maxMs),
          p99OverheadMs: Math.round(result.p99OverheadMs),
          maxLoopDelayMs: Math.round(result.maxLoopDelayMs),
          upstreamMaxMs: Math.round(s.upstreamMaxMs()),
        });

        // What holds today.
        expect(result.failures, context).toEqual([]);
        expect(result.failed, context).toBe(0);
        expect(result.calls, context).toBeGreaterThan(CALLERS * 5);
        expect(unhandled.count - unhandledBefore, String(unhandled.reasons.slice(-3))).toBe(0);
        expect(s.wrongAnswers(), context).toBe(0);
        if (fault.recovers) expect(resumed, `caching resumed after "${faultName}"`).toBe(true);

        // The circuit breaker (contract: CacheBackend.health, implemented on RedisBackend by the
        // Redis-layer rewrite) opened during the outage and is closed again after recovery.
        expect.soft(s.backend.health, 'RedisBackend.health (circuit breaker)').toBeDefined();
        expect.soft(s.backend.health?.opened ?? 0, 'breaker opened at least once').toBeGreaterThanOrEqual(1);
        if (fault.recovers) {
          const until = Date.now() + 3000;
          while (
            s.backend.health !== undefined &&
            s.backend.health.state !== 'closed' &&
            Date.now() < until
          ) {
            await sleep(20);
          }
          expect.soft(s.backend.health?.state, 'breaker closed after recovery').toBe('closed');
        }
        // The per-call budget: no call spends more than the upstream's time + 3 command timeouts.
        const bound = s.upstreamMaxMs() + 3 * COMMAND_TIMEOUT_MS + 2 * result.maxLoopDelayMs + 25;
        expect
          .soft(result.maxMs, `longest call within upstream + 3 x commandTimeoutMs (${context})`)
          .toBeLessThanOrEqual(bound);
        if (!fault.recovers) {
          // Redis dead, breaker open: a call costs no Redis time at all. p99 of the calls made
          // while the breaker was open <= 5 ms (a withCache miss: the upstream's time + 50 ms),
          // plus the worst event-loop delay of the run.
          const open = result.durationsByPhase.get('breaker-open') ?? [];
          expect.soft(open.length, 'calls were made while the breaker was open').toBeGreaterThan(CALLERS);
          const limit = (s.upstreamMaxMs() > 0 ? s.upstreamMaxMs() + 50 : 5) + result.maxLoopDelayMs;
          expect
            .soft(quantile(open, 0.99), `p99 with the breaker open (${context})`)
            .toBeLessThanOrEqual(limit);
        }
      }, 40_000);
    }
  }
});
