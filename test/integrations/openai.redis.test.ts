/**
 * withCache(openai) over a real Redis: sharing between processes (child processes and separate
 * cache instances), the distributed lock, and a Redis outage.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { AIResponseCache, type CacheEvent } from '../../src/index.js';
import { cacheStatus, type WithCacheOptions, withCache } from '../../src/integrations/openai/index.js';
import { describeOwnRedisServer, describeRedis, uniqueCachePrefix } from '../helpers/redis.js';
import { startRedisServer } from '../helpers/redis-server.js';

const WORKER = 'test/integrations/fixtures/openai-worker.ts';
const REQUEST = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content: 'One answer for the whole cluster' }],
};

interface Worker {
  child: ChildProcessWithoutNullStreams;
  /** The next line the worker prints. */
  line(): Promise<string>;
}

function startWorker(args: string[]): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    line: async () => {
      const next = await lines.next();
      if (next.done) throw new Error(`worker exited without output: ${stderr}`);
      return next.value;
    },
  };
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

let server: MockOpenAI;
const caches: AIResponseCache[] = [];
const workers: Worker[] = [];

beforeEach(async () => {
  server = await startMockOpenAI({ latencyMs: { firstTokenMs: 2, perChunkMs: 1, responseMs: 5 } });
});

afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await exited(w.child);
  }
  await Promise.all(caches.splice(0).map((c) => c.close()));
  await server.close();
});

function client(url = server.url): OpenAI {
  return new OpenAI({ baseURL: url, apiKey: 'test', maxRetries: 0 });
}

function cacheOn(options: ConstructorParameters<typeof AIResponseCache>[0]): AIResponseCache {
  const ai = new AIResponseCache(options);
  caches.push(ai);
  return ai;
}

describeRedis('withCache over Redis', (url) => {
  const wrapped = (prefix: string, options: Partial<WithCacheOptions> = {}) =>
    withCache(client(), { cache: cacheOn({ redisUrl: url, prefix }), ...options });

  it('shares answers between instances with separate in-process tiers', async () => {
    const prefix = uniqueCachePrefix('oai-share');
    const first = await wrapped(prefix).chat.completions.create(REQUEST);
    const second = await wrapped(prefix).chat.completions.create(REQUEST);
    expect([cacheStatus(first), cacheStatus(second)]).toEqual(['miss', 'hit']);
    expect(second).toEqual(first);
    expect(server.calls.total).toBe(1);
  });

  it('makes one upstream call for 3 processes x 20 concurrent identical calls', async () => {
    const prefix = uniqueCachePrefix('oai-procs');
    const procs = [0, 1, 2].map(() => startWorker([url, server.url, prefix]));
    workers.push(...procs);
    for (const w of procs) expect(await w.line()).toBe('ready');
    for (const w of procs) w.child.stdin.write('go\n');
    const outputs = await Promise.all(
      procs.map(async (w) => JSON.parse(await w.line()) as { statuses: string[] }),
    );
    const statuses = outputs.flatMap((o) => o.statuses);
    expect(statuses).toHaveLength(60);
    expect(server.calls.total).toBe(1);
    expect(statuses.filter((s) => s === 'miss')).toHaveLength(1);
    expect(statuses.every((s) => s === 'miss' || s === 'coalesced' || s === 'hit')).toBe(true);
  }, 30_000);

  it('proceeds after the lock TTL when the lock holder dies mid-call', async () => {
    const prefix = uniqueCachePrefix('oai-kill');
    const slow = await startMockOpenAI({ latencyMs: 10_000 });
    try {
      const holder = startWorker([url, slow.url, prefix, 'hold']);
      workers.push(holder);
      expect(await holder.line()).toBe('ready');
      // The holder took the lock before calling upstream: wait for its call, then kill it.
      await expect.poll(() => slow.calls.total, { interval: 5, timeout: 10_000 }).toBe(1);
      holder.child.kill('SIGKILL');
      await exited(holder.child);
      // The dead holder's lock is normally still there, expiring on its own.
      const redis = new Redis(url);
      const [lockKey] = await redis.keys(`${prefix}:lock:*`);
      const remaining = lockKey ? await redis.pttl(lockKey) : -2;
      await redis.quit();
      const started = performance.now();
      // The same provider as the holder (its slow server stands for a hung upstream).
      const openai = wrapped(prefix, { lock: { ttl: 300, wait: 3000 }, scope: 'test-provider' });
      const answer = await openai.chat.completions.create(REQUEST);
      const waited = performance.now() - started;
      expect(cacheStatus(answer)).toBe('miss');
      expect(server.calls.total).toBe(1);
      // B waited for the dead holder's lock to expire (unless it already had, on a loaded machine).
      expect(waited).toBeGreaterThanOrEqual(remaining - 25);
      expect(waited).toBeLessThan(2500);
    } finally {
      await slow.close();
    }
  }, 30_000);

  it('lets a waiter in another process replay the stream stored by the lock holder', async () => {
    const prefix = uniqueCachePrefix('oai-stream');
    server.setLatency({ firstTokenMs: 20, perChunkMs: 2 });
    const a = wrapped(prefix);
    const b = wrapped(prefix);
    const params = { ...REQUEST, stream: true as const, stream_options: { include_usage: true } };
    const leader = await a.chat.completions.create(params);
    const leaderChunks = (async () => {
      const out: unknown[] = [];
      for await (const chunk of leader) out.push(chunk);
      return out;
    })();
    const waiter = await b.chat.completions.create(params);
    const waiterChunks: unknown[] = [];
    for await (const chunk of waiter) waiterChunks.push(chunk);
    expect(cacheStatus(leader)).toBe('miss');
    expect(cacheStatus(waiter)).toBe('coalesced');
    expect(waiterChunks).toEqual(await leaderChunks);
    expect(server.calls.total).toBe(1);
  });

  it('shares embedding inputs between instances', async () => {
    const prefix = uniqueCachePrefix('oai-embed');
    const model = 'text-embedding-3-small';
    const first = await wrapped(prefix).embeddings.create({ model, input: ['red', 'green'] });
    const second = await wrapped(prefix).embeddings.create({ model, input: ['green', 'blue', 'red'] });
    expect([cacheStatus(first), cacheStatus(second)]).toEqual(['miss', 'miss']);
    expect((server.calls.bodies[1] as { input: unknown }).input).toEqual(['blue']);
    expect(second.data[2]?.embedding).toEqual(first.data[0]?.embedding);
  });
});

describeOwnRedisServer('withCache when Redis stops', () => {
  it('keeps answering through upstream, with error events', async () => {
    const redis = await startRedisServer();
    try {
      const ai = cacheOn({
        redis: { url: redis.url, commandTimeoutMs: 200 },
        prefix: uniqueCachePrefix('oai-down'),
      });
      await ai.connect();
      const errors: CacheEvent[] = [];
      ai.on('error', (event) => errors.push(event));
      const reported: Error[] = [];
      const openai = withCache(client(), { cache: ai, onError: (e) => reported.push(e) });
      await openai.chat.completions.create(REQUEST);
      expect(cacheStatus(await openai.chat.completions.create(REQUEST))).toBe('hit');
      await redis.stop();
      const asks = ['during the outage', 'still down'].map((content) => ({
        ...REQUEST,
        messages: [{ role: 'user' as const, content }],
      }));
      for (const params of asks) {
        const answer = await openai.chat.completions.create(params);
        expect(cacheStatus(answer)).toBe('miss');
        expect(answer.choices[0]?.message.content?.length).toBeGreaterThan(0);
      }
      expect(server.calls.total).toBe(3);
      expect(errors.length + reported.length).toBeGreaterThan(0);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await redis.stop();
    }
  }, 20_000);
});
