/**
 * withCache(anthropic) over a real Redis: two caches with their own in-process tiers (as two
 * processes would have) share entries and one upstream call, and no prompt text reaches a key.
 */
import Anthropic from '@anthropic-ai/sdk';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type MockAnthropic, startMockAnthropic } from '../../examples/mock-anthropic/server.js';
import { AIResponseCache } from '../../src/index.js';
import { cacheStatus, withCache } from '../../src/integrations/anthropic/index.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';

let server: MockAnthropic;
const caches: AIResponseCache[] = [];

beforeEach(async () => {
  server = await startMockAnthropic({ latencyMs: 2 });
});

afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
  await server.close();
});

const PROMPT = 'A secret prompt that must never reach Redis in clear';
const params = {
  model: 'claude-test',
  max_tokens: 256,
  messages: [{ role: 'user' as const, content: `${PROMPT} [[tool]]` }],
  tools: [{ name: 'lookup', input_schema: { type: 'object' as const } }],
  thinking: { type: 'enabled' as const, budget_tokens: 1024 },
};

describeRedis('withCache(anthropic) over Redis', (url) => {
  const wrapped = (prefix: string) => {
    const ai = new AIResponseCache({ redisUrl: url, prefix });
    caches.push(ai);
    return withCache(new Anthropic({ baseURL: server.url, apiKey: 'k', maxRetries: 0 }), { cache: ai });
  };

  it('20 concurrent identical calls over two caches make 1 upstream call; the answers are identical', async () => {
    const prefix = uniqueCachePrefix('anth-20');
    const a = wrapped(prefix);
    const b = wrapped(prefix);
    const calls = Array.from({ length: 20 }, async (_, i) => {
      const client = i % 2 === 0 ? a : b;
      if (i % 3 === 0) {
        const message = await client.messages.create(params);
        return { message: JSON.parse(JSON.stringify(message)), status: cacheStatus(message) };
      }
      const stream = client.messages.stream(params);
      const { parsed_output: _p, ...message } = await stream.finalMessage();
      return { message: JSON.parse(JSON.stringify(message)), status: cacheStatus(stream) };
    });
    const results = await Promise.all(calls);
    expect(server.calls.total).toBe(1);
    expect(results.filter((r) => r.status === 'miss')).toHaveLength(1);
    expect(results.every((r) => ['miss', 'coalesced', 'hit'].includes(String(r.status)))).toBe(true);
    for (const r of results) expect(r.message).toEqual(results[0]?.message);
  });

  it('a stream stored by one cache is replayed by another, identical as MessageStream accumulates it', async () => {
    const prefix = uniqueCachePrefix('anth-replay');
    const first = await wrapped(prefix).messages.stream(params).finalMessage();
    const stream = wrapped(prefix).messages.stream(params);
    const second = await stream.finalMessage();
    expect(cacheStatus(stream)).toBe('hit');
    expect(JSON.parse(JSON.stringify(second))).toEqual(JSON.parse(JSON.stringify(first)));
    expect(server.calls.total).toBe(1);
  });

  it('writes no prompt text and no credentials into Redis key names', async () => {
    const prefix = uniqueCachePrefix('anth-keys');
    await wrapped(prefix).messages.create(params);
    const redis = new Redis(url);
    try {
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key).not.toContain('secret');
        expect(key).not.toContain('127.0.0.1');
      }
    } finally {
      await redis.quit();
    }
  });
});
