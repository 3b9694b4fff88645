import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AIResponseCache } from '../../src/ai-cache/ai-response-cache.js';
import { MemoryBackend } from '../../src/backends/memory.js';
import { ValidationError } from '../../src/errors.js';
import { fakeClock } from '../helpers/clock.js';

const summary = { summary: 'A short summary.', tokens: 12 };

describe('AIResponseCache: store and read', () => {
  it('caches a response and reads it back, L1 first', async () => {
    const ai = new AIResponseCache();
    await ai.connect();
    const req = { text: 'The quick brown fox', operation: 'summarize', options: { max_length: 100 } };
    expect(await ai.getResponse(req)).toBeUndefined();
    await ai.cacheResponse({ ...req, response: summary });
    expect(await ai.getResponse(req)).toEqual(summary);
    const hit = await ai.lookupResponse(req);
    expect(hit?.tier).toBe('l1');
    const s = ai.stats();
    expect(s).toMatchObject({ hits: 2, misses: 1, sets: 1, backend: 'memory' });
    expect(s.operations.summarize).toMatchObject({ hits: 2, misses: 1, sets: 1 });
    await ai.close();
  });

  it('treats options key order as irrelevant, and different options, questions and operations as different', async () => {
    const ai = new AIResponseCache();
    await ai.cacheResponse({
      text: 't',
      operation: 'qa',
      options: { a: 1, b: { c: 2, d: 3 } },
      question: 'why?',
      response: 1,
    });
    expect(
      await ai.getResponse({
        text: 't',
        operation: 'qa',
        options: { b: { d: 3, c: 2 }, a: 1 },
        question: 'why?',
      }),
    ).toBe(1);
    expect(
      await ai.getResponse({
        text: 't',
        operation: 'qa',
        options: { a: 2, b: { c: 2, d: 3 } },
        question: 'why?',
      }),
    ).toBeUndefined();
    expect(
      await ai.getResponse({
        text: 't',
        operation: 'qa',
        options: { a: 1, b: { c: 2, d: 3 } },
        question: 'how?',
      }),
    ).toBeUndefined();
    expect(
      await ai.getResponse({ text: 't', operation: 'qa', options: { a: 1, b: { c: 2, d: 3 } } }),
    ).toBeUndefined();
    expect(
      await ai.getResponse({
        text: 't',
        operation: 'summarize',
        options: { a: 1, b: { c: 2, d: 3 } },
        question: 'why?',
      }),
    ).toBeUndefined();
  });

  it('builds keys prefix:ai:{operation}:{text part}:{options hash}[:{question hash}]', async () => {
    const ai = new AIResponseCache({ textHashThreshold: 20 });
    const short = await ai.keyFor({ text: 'hello: world', operation: 'summarize', options: { n: 1 } });
    expect(short).toMatch(/^ai-cache:ai:summarize::t=hello%3A world:o=[0-9a-f]{16}$/);
    const long = await ai.keyFor({ text: 'x'.repeat(20), operation: 'summarize', question: 'q' });
    expect(long).toMatch(/^ai-cache:ai:summarize::h=[0-9a-f]{16}:o=[0-9a-f]{16}:q=[0-9a-f]{16}$/);
    const priv = new AIResponseCache({ hashAllText: true, hashAlgorithm: 'sha256' });
    const hidden = await priv.keyFor({ text: 'my secret diagnosis', operation: 'summarize' });
    expect(hidden).not.toContain('secret');
    expect(hidden).toMatch(/:h=[0-9a-f]{64}:o=[0-9a-f]{64}$/);
  });

  it('never maps two different requests to one key, and equal requests to equal keys (property)', async () => {
    const ai = new AIResponseCache({ textHashThreshold: 40 });
    const text = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.constantFrom('', ':', '%3A', 't=', 'h=', '#'),
    );
    const request = fc.record({
      text,
      operation: fc.constantFrom('summarize', 'qa', 'sentiment'),
      options: fc.option(
        fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
        { nil: undefined },
      ),
      question: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    });
    const canonical = (r: {
      text: string;
      operation: string;
      options?: unknown;
      question?: string | undefined;
    }) =>
      JSON.stringify([
        r.text,
        r.operation,
        r.options === undefined ? {} : sortDeep(r.options),
        r.question ?? null,
      ]);
    await fc.assert(
      fc.asyncProperty(request, request, async (a, b) => {
        const ka = await ai.keyFor(clean(a));
        const kb = await ai.keyFor(clean(b));
        const same = canonical(clean(a)) === canonical(clean(b));
        expect(ka === kb).toBe(same);
        // Re-ordering option keys never changes the key.
        if (a.options) {
          const reversed = Object.fromEntries(Object.entries(a.options).reverse());
          expect(await ai.keyFor({ ...clean(a), options: reversed })).toBe(ka);
        }
      }),
      { numRuns: 300 },
    );
  });
});

function clean<T extends { options?: unknown; question?: string | undefined }>(r: T) {
  const out: Record<string, unknown> = { ...r };
  if (r.options === undefined) delete out.options;
  if (r.question === undefined) delete out.question;
  return out as { text: string; operation: string; options?: Record<string, unknown>; question?: string };
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

describe('AIResponseCache: TTLs', () => {
  it('resolves per-call ttl > ttlResolver > operationTtls > defaultTtl', () => {
    const ai = new AIResponseCache({
      defaultTtl: '30m',
      operationTtls: { summarize: '2h', sentiment: '1h' },
      ttlResolver: ({ sizeTier }) => (sizeTier === 'large' ? '10m' : undefined),
    });
    const base = { text: 'x', operation: 'summarize' };
    expect(ai.ttlFor(base)).toBe(2 * 3_600_000);
    expect(ai.ttlFor({ ...base, operation: 'sentiment' })).toBe(3_600_000);
    expect(ai.ttlFor({ ...base, operation: 'translate' })).toBe(30 * 60_000);
    expect(ai.ttlFor({ ...base, ttl: '5s' })).toBe(5000);
    expect(ai.ttlFor({ ...base, ttl: ({ operation }) => (operation === 'summarize' ? 42 : undefined) })).toBe(
      42,
    );
    expect(ai.ttlFor({ ...base, text: 'y'.repeat(20_000) })).toBe(10 * 60_000);
  });

  it('uses the default operation TTLs from the seed (summarize 2h, sentiment 1h, key_points 90m, questions 80m, qa 1h)', () => {
    const ai = new AIResponseCache();
    const ttl = (operation: string) => ai.ttlFor({ text: '', operation });
    expect([ttl('summarize'), ttl('sentiment'), ttl('key_points'), ttl('questions'), ttl('qa')]).toEqual([
      7_200_000, 3_600_000, 5_400_000, 4_800_000, 3_600_000,
    ]);
  });

  it('expires answers by their operation TTL (injected clock)', async () => {
    const clock = fakeClock();
    const ai = new AIResponseCache({ now: clock.now, operationTtls: { sentiment: '1h' } });
    const req = { text: 'great!', operation: 'sentiment' };
    await ai.cacheResponse({ ...req, response: { label: 'positive' } });
    clock.advance(3_600_000 - 1);
    expect(await ai.getResponse(req)).toEqual({ label: 'positive' });
    clock.advance(1);
    expect(await ai.getResponse(req)).toBeUndefined();
  });
});

describe('AIResponseCache: size tiers and smart promotion', () => {
  it('keeps answers for large texts out of L1 unless promoteLargeToL1', async () => {
    const ai = new AIResponseCache({ sizeTiers: { small: 10, medium: 100 } });
    const large = { text: 'z'.repeat(200), operation: 'summarize' };
    const small = { text: 'tiny', operation: 'summarize' };
    await ai.cacheResponse({ ...large, response: 'L' });
    await ai.cacheResponse({ ...small, response: 'S' });
    expect((await ai.lookupResponse(large))?.tier).toBe('l2');
    expect((await ai.lookupResponse(large))?.tier).toBe('l2');
    expect((await ai.lookupResponse(small))?.tier).toBe('l1');
    const s = ai.stats();
    expect(s.sizeTiers.large).toMatchObject({ hits: 2, sets: 1 });
    expect(s.sizeTiers.small).toMatchObject({ hits: 1, sets: 1 });
    const promoted = new AIResponseCache({ sizeTiers: { small: 10, medium: 100 }, promoteLargeToL1: true });
    await promoted.cacheResponse({ ...large, response: 'L' });
    expect((await promoted.lookupResponse(large))?.tier).toBe('l1');
  });
});

describe('AIResponseCache: validation', () => {
  it('rejects text over maxTextLength, an empty operation and an undefined response all at once; writes nothing', async () => {
    const backend = new MemoryBackend();
    const ai = new AIResponseCache({ backend, maxTextLength: 10 });
    const error = await ai
      .cacheResponse({ text: 'x'.repeat(11), operation: '', response: undefined })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual([
      'operation',
      'response',
      'text',
    ]);
    expect(backend.size).toBe(0);
  });

  it('rejects a response that cannot be serialized, naming it', async () => {
    const backend = new MemoryBackend();
    const ai = new AIResponseCache({ backend });
    const cyclic: Record<string, unknown> = {};
    cyclic.me = cyclic;
    const error = await ai
      .cacheResponse({ text: 'x', operation: 'qa', response: cyclic })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('response');
    await expect(ai.cacheResponse({ text: 'x', operation: 'q:a', response: 1 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(backend.size).toBe(0);
  });

  it('reports every invalid option of the constructor at once', () => {
    try {
      new AIResponseCache({
        textHashThreshold: -1,
        maxTextLength: 0,
        defaultTtl: 'forever',
        hashAlgoritm: 'md5',
      } as never);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const issues = (error as ValidationError).issues;
      expect(issues.length).toBeGreaterThanOrEqual(4);
      expect(issues.some((i) => /did you mean 'hashAlgorithm'/.test(i.message))).toBe(true);
    }
  });
});

describe('AIResponseCache: invalidation', () => {
  it('invalidate removes one answer; invalidateOperation removes every answer of one operation only', async () => {
    const backend = new MemoryBackend();
    const ai = new AIResponseCache({ backend });
    for (let i = 0; i < 5; i++) {
      await ai.cacheResponse({ text: `doc ${i}`, operation: 'summarize', response: i });
      await ai.cacheResponse({ text: `doc ${i}`, operation: 'sentiment', response: i });
    }
    expect(await ai.invalidate({ text: 'doc 0', operation: 'summarize' })).toBe(true);
    expect(await ai.getResponse({ text: 'doc 0', operation: 'summarize' })).toBeUndefined();
    await ai.invalidateOperation('summarize');
    for (let i = 0; i < 5; i++) {
      expect(await ai.getResponse({ text: `doc ${i}`, operation: 'summarize' })).toBeUndefined();
      expect(await ai.getResponse({ text: `doc ${i}`, operation: 'sentiment' })).toBe(i);
    }
    const keys: string[] = [];
    for await (const k of backend.keys()) keys.push(k);
    expect(keys.every((k) => k.startsWith('ai-cache:ai:sentiment:'))).toBe(true);
    expect(keys).toHaveLength(5);
  });
});

describe('AIResponseCache: compression and savings stats', () => {
  it('reports compression of large responses', async () => {
    const ai = new AIResponseCache({ compressionThreshold: 100 });
    await ai.cacheResponse({ text: 'a', operation: 'summarize', response: 'word '.repeat(1000) });
    await ai.cacheResponse({ text: 'b', operation: 'summarize', response: 'short' });
    const c = ai.stats().compression;
    expect(c.entries).toBe(2);
    expect(c.compressedEntries).toBe(1);
    expect(c.bytesOut).toBeLessThan(c.bytesIn);
    expect(c.ratio).toBeLessThan(0.5);
  });

  it('counts tokens, latency and money saved by hits', async () => {
    const ai = new AIResponseCache({ prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } } });
    const req = { text: 'q', operation: 'qa' };
    await ai.cacheResponse({
      ...req,
      response: 'a',
      meta: {
        model: 'gpt-4o-mini',
        usage: { promptTokens: 1000, completionTokens: 500, totalTokens: 1500 },
        latencyMs: 800,
      },
    });
    await ai.getResponse(req);
    await ai.getResponse(req);
    const savings = ai.stats().savings;
    expect(savings.upstreamCallsAvoided).toBe(2);
    expect(savings.tokens).toEqual({ prompt: 2000, completion: 1000, total: 3000 });
    expect(savings.latencyMs).toBeGreaterThan(1500);
    expect(savings.costUsd).toBeCloseTo((2 * (1000 * 0.15 + 500 * 0.6)) / 1e6, 10);
  });
});

describe('AIResponseCache: Redis unreachable at connect()', () => {
  it('falls back to memory and emits degraded, or throws InfrastructureError with failOnConnectionError', async () => {
    const ai = new AIResponseCache({
      redisUrl: 'redis://127.0.0.1:1',
      redis: { connectTimeoutMs: 200, commandTimeoutMs: 100 },
    });
    const degraded: unknown[] = [];
    ai.on('degraded', (e) => degraded.push(e));
    await ai.connect();
    expect(degraded).toHaveLength(1);
    expect(ai.stats().degraded).toBe(true);
    await ai.cacheResponse({ text: 'x', operation: 'qa', response: 'still works' });
    expect(await ai.getResponse({ text: 'x', operation: 'qa' })).toBe('still works');
    await ai.close();

    const strict = new AIResponseCache({
      redisUrl: 'redis://:secret-password@127.0.0.1:1',
      redis: { connectTimeoutMs: 200 },
      failOnConnectionError: true,
    });
    const error = await strict.connect().catch((e: unknown) => e);
    expect((error as Error).name).toBe('InfrastructureError');
    expect(String((error as Error).message)).not.toContain('secret-password');
    await strict.close();
  });
});
