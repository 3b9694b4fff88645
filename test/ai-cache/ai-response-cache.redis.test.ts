import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AIResponseCache } from '../../src/ai-cache/ai-response-cache.js';
import { CacheFactory } from '../../src/ai-cache/factory.js';
import { describeOwnRedisServer, describeRedis, uniqueCachePrefix } from '../helpers/redis.js';
import { type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';

/** ~100 KB of varied English prose, as a chat answer would hold. */
function prose(bytes: number): string {
  const subjects = [
    'The model',
    'A careful reader',
    'Our team',
    'The cache',
    'Every request',
    'The summary',
    'This report',
  ];
  const verbs = ['explains', 'suggests', 'reveals', 'questions', 'summarizes', 'compares', 'describes'];
  const objects = [
    'the quarterly revenue trends in detail',
    'why latency matters for interactive products',
    'how distributed systems fail in surprising ways',
    'the trade-offs between freshness and cost',
    'a surprising pattern in customer feedback',
    'the history of caching in web infrastructure',
    'several options for reducing token spend',
  ];
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const s = `${subjects[(i * 7) % subjects.length]} ${verbs[(i * 3) % verbs.length]} ${objects[(i * 5 + (i >> 3)) % objects.length]}, sentence ${i}.`;
    out.push(s);
    size += s.length + 1;
  }
  return out.join(' ');
}

describeRedis('AIResponseCache on a real Redis', (url) => {
  const opened: AIResponseCache[] = [];
  const open = async (prefix: string, extra: ConstructorParameters<typeof AIResponseCache>[0] = {}) => {
    const ai = new AIResponseCache({ redisUrl: url, prefix, ...extra });
    await ai.connect();
    opened.push(ai);
    return ai;
  };
  let raw: Redis;
  beforeAll(() => {
    raw = new Redis(url);
  });
  afterAll(async () => {
    await Promise.all(opened.map((a) => a.close()));
    raw.disconnect();
  });

  it('an answer cached by one instance is read by a second one with an empty L1 (L2 hit, then L1 hit)', async () => {
    const prefix = uniqueCachePrefix('ai');
    const writer = await open(prefix);
    const reader = await open(prefix);
    const req = {
      text: 'Summarize the meeting notes.',
      operation: 'summarize',
      options: { max_length: 100 },
    };
    await writer.cacheResponse({ ...req, response: { summary: 'They agreed.' } });
    expect(await reader.lookupResponse(req)).toMatchObject({
      tier: 'l2',
      response: { summary: 'They agreed.' },
    });
    // The writer's bus announcement of its set may arrive after that read and drop the promoted
    // copy once (that is the coherence mechanism at work): read until L1 answers (bounded).
    let tier: string | undefined;
    for (let i = 0; i < 50 && tier !== 'l1'; i++) {
      tier = (await reader.lookupResponse(req))?.tier;
      if (tier !== 'l1') await new Promise((r) => setTimeout(r, 10));
    }
    expect(tier).toBe('l1');
    expect(reader.stats()).toMatchObject({ l1Hits: 1, backend: 'redis' });
    expect(reader.stats().l2Hits).toBeGreaterThanOrEqual(1);
  });

  it("the Redis key's PTTL matches the operation's TTL", async () => {
    const prefix = uniqueCachePrefix('ttl');
    const ai = await open(prefix, { operationTtls: { summarize: '2h', sentiment: '1h' } });
    for (const [operation, ttl] of [
      ['summarize', 7_200_000],
      ['sentiment', 3_600_000],
    ] as const) {
      const req = { text: 'some text', operation };
      await ai.cacheResponse({ ...req, response: 'ok' });
      const pttl = await raw.pttl(await ai.keyFor(req));
      expect(pttl).toBeGreaterThan(ttl - 5_000);
      expect(pttl).toBeLessThanOrEqual(ttl);
    }
  });

  it('stores a 100 KB prose response compressed (<= 70% of its JSON) and returns it deep-equal', async () => {
    const prefix = uniqueCachePrefix('big');
    const ai = await open(prefix);
    const response = {
      id: 'chatcmpl-1',
      choices: [{ index: 0, message: { role: 'assistant', content: prose(100_000) }, finish_reason: 'stop' }],
    };
    const req = { text: 'Write a long report', operation: 'summarize' };
    await ai.cacheResponse({ ...req, response });
    const json = JSON.stringify(response).length;
    const stored = await raw.getBuffer(await ai.keyFor(req));
    expect(stored).not.toBeNull();
    expect((stored as Buffer).byteLength).toBeLessThanOrEqual(json * 0.7);
    const reader = await open(prefix);
    expect(await reader.getResponse(req)).toEqual(response);
  });

  it('invalidateOperation removes every entry of that operation from both tiers and no other', async () => {
    const prefix = uniqueCachePrefix('inv');
    const a = await open(prefix);
    const b = await open(prefix);
    for (let i = 0; i < 30; i++) {
      await a.cacheResponse({ text: `doc ${i}`, operation: 'summarize', response: i });
      await a.cacheResponse({ text: `doc ${i}`, operation: 'sentiment', response: i });
    }
    await a.invalidateOperation('summarize');
    expect(await raw.keys(`${prefix}:ai:summarize:*`)).toHaveLength(0);
    expect(await raw.keys(`${prefix}:ai:sentiment:*`)).toHaveLength(30);
    for (let i = 0; i < 30; i++) {
      expect(await a.getResponse({ text: `doc ${i}`, operation: 'summarize' })).toBeUndefined(); // L1 cleared too
      expect(await b.getResponse({ text: `doc ${i}`, operation: 'sentiment' })).toBe(i);
    }
  });

  it('CacheFactory builds connected caches with the seed defaults', async () => {
    const factory = new CacheFactory();
    const web = await factory.forWebApp({ redisUrl: url, prefix: uniqueCachePrefix('web') });
    await web.set('k', { v: 1 });
    expect(await web.get('k')).toEqual({ v: 1 });
    expect(web.stats().l2.backend).toBe('redis');
    await web.close();
    const testing = await factory.forTesting({
      useMemoryCache: false,
      redisUrl: url,
      prefix: uniqueCachePrefix('t'),
    });
    opened.push(testing);
    expect(testing.config.redis?.db).toBe(15);
    expect(testing.config.l1).toBe(false);
    await testing.cacheResponse({ text: 'x', operation: 'qa', response: 1 });
    expect(await testing.lookupResponse({ text: 'x', operation: 'qa' })).toMatchObject({ tier: 'l2' });
    const db15 = new Redis(url, { db: 15 });
    const pttl = await db15.pttl(await testing.keyFor({ text: 'x', operation: 'qa' }));
    db15.disconnect();
    expect(pttl).toBeGreaterThan(55_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });
});

describeOwnRedisServer('AIResponseCache when Redis comes and goes', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('starts degraded on memory while Redis is down, and uses Redis again once it is back, without a restart', async () => {
    await server.stop();
    const ai = new AIResponseCache({
      redisUrl: server.url,
      redis: { connectTimeoutMs: 300, commandTimeoutMs: 200 },
      l1: false,
    });
    const events: string[] = [];
    ai.on('degraded', () => events.push('degraded'));
    ai.on('recovered', () => events.push('recovered'));
    await ai.connect();
    expect(events).toEqual(['degraded']);
    await ai.cacheResponse({ text: 'during', operation: 'qa', response: 'memory' });
    expect(await ai.getResponse({ text: 'during', operation: 'qa' })).toBe('memory');

    await server.start();
    const raw = new Redis(server.url);
    const deadline = Date.now() + 8_000;
    let landed = false;
    while (!landed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      await ai.cacheResponse({ text: 'after', operation: 'qa', response: 'redis' });
      landed = (await raw.exists(await ai.keyFor({ text: 'after', operation: 'qa' }))) === 1;
    }
    expect(landed).toBe(true);
    expect(events).toEqual(['degraded', 'recovered']);
    raw.disconnect();
    await ai.close();
  });
});

describe('CacheFactory (memory)', () => {
  it('forAIApp and forTesting apply the seed defaults', async () => {
    const factory = new CacheFactory();
    const ai = await factory.forAIApp();
    expect(ai.config).toMatchObject({ defaultTtl: '1h', textHashThreshold: 500, compressionThreshold: 1000 });
    expect(ai.config.l1).toMatchObject({ maxEntries: 100 });
    const t = await factory.forTesting();
    expect(t.config).toMatchObject({ defaultTtl: '60s', l1: false });
    expect(t.stats().backend).toBe('memory');
    const web = await factory.forWebApp();
    expect(web.stats().l1.enabled).toBe(true);
    const fromConfig = await factory.fromConfig({ defaultTtl: '5m', operationTtls: { qa: '10m' } });
    expect(fromConfig.ttlFor({ text: '', operation: 'qa' })).toBe(600_000);
    await Promise.all([ai.close(), t.close(), web.close(), fromConfig.close()]);
  });

  it('fromConfig rejects an invalid configuration with every problem listed', async () => {
    await expect(
      new CacheFactory().fromConfig({ defaultTtl: 'nope', textHashThreshold: -5 } as never),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      issues: expect.arrayContaining([
        expect.objectContaining({ path: 'defaultTtl' }),
        expect.objectContaining({ path: 'textHashThreshold' }),
      ]),
    });
  });
});
