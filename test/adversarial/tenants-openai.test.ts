/**
 * Tenant isolation through `withCache(openai)`: two wrappers over caches of different
 * namespaces (namespace option and `ai.namespace()` views), the real `openai` client against the
 * local mock OpenAI server. Tenant B never gets tenant A's answer (it is a miss and an upstream
 * call), and B's forceRefresh / invalidation / clear never remove A's. Distributed lock keys
 * differ per tenant. On memory and on a real Redis.
 */
import fc from 'fast-check';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import {
  AIResponseCache,
  type AIResponseCacheOptions,
  type DistributedLock,
  type LockHandle,
  MemoryBackend,
} from '../../src/index.js';
import { cacheStatus, withCache } from '../../src/integrations/openai/index.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';

let server: MockOpenAI;
let client: OpenAI;

beforeAll(async () => {
  server = await startMockOpenAI({ latencyMs: { firstTokenMs: 0, perChunkMs: 0, responseMs: 0 } });
  client = new OpenAI({ baseURL: server.url, apiKey: 'sk-test-secret', maxRetries: 0 });
});

afterAll(async () => {
  await server.close();
});

/** Tenant names that look alike or look like key syntax; all valid namespace names. */
const TENANTS = [
  'tenant-a',
  'tenant-b',
  'tenant-A',
  't\u0435nant-a',
  'tenant%3Aa',
  'ai',
  '@a',
  'a',
  'openai',
  'lock',
];

const promptArb = fc.string({
  unit: fc.constantFrom('w', 'o', 'r', 'd', ' ', ':', '#', '%', '{', '}'),
  minLength: 1,
  maxLength: 12,
});

const ask = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }] });

/** A lock that records the keys it is asked for (and grants every one at once). */
class RecordingLock implements DistributedLock {
  readonly name = 'recording';
  readonly keys: string[] = [];
  async tryAcquire(key: string): Promise<LockHandle> {
    this.keys.push(key);
    return { key, token: 't', release: async () => true, extend: async () => true };
  }
  async waitForRelease(): Promise<'released'> {
    return 'released';
  }
  async close(): Promise<void> {}
}

interface Tally {
  prompts: number;
  crossReads: number;
  crossDeletes: number;
}

type Layout = 'namespace option' | 'views';

async function property(layout: Layout, base: () => AIResponseCacheOptions, numRuns: number): Promise<Tally> {
  const t: Tally = { prompts: 0, crossReads: 0, crossDeletes: 0 };
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(fc.constantFrom(...TENANTS), fc.constantFrom(...TENANTS)).filter(([x, y]) => x !== y),
      fc.uniqueArray(promptArb, { minLength: 1, maxLength: 3 }),
      async ([x, y], prompts) => {
        const options = base();
        const opened: AIResponseCache[] = [];
        let aiA: AIResponseCache;
        let aiB: AIResponseCache;
        if (layout === 'namespace option') {
          aiA = new AIResponseCache({ ...options, namespace: x });
          aiB = new AIResponseCache({ ...options, namespace: y });
          opened.push(aiA, aiB);
        } else {
          const root = new AIResponseCache(options);
          opened.push(root);
          aiA = root.namespace(x);
          aiB = root.namespace(y);
        }
        const a = withCache(client, { cache: aiA });
        const b = withCache(client, { cache: aiB });
        try {
          for (const p of prompts) {
            t.prompts++;
            await a.chat.completions.create(ask(p));
            const before = server.calls.total;
            const fromB = await b.chat.completions.create(ask(p));
            if (cacheStatus(fromB) !== 'miss' || server.calls.total !== before + 1) t.crossReads++;
          }
          // B refreshes, invalidates and clears its own answers.
          for (const p of prompts) {
            await b.chat.completions.create(ask(p), { cache: { forceRefresh: true } });
          }
          await aiB.invalidateOperation('chat');
          await aiB.clear();
          for (const p of prompts) {
            const before = server.calls.total;
            const fromA = await a.chat.completions.create(ask(p));
            if (cacheStatus(fromA) !== 'hit' || server.calls.total !== before) t.crossDeletes++;
          }
        } finally {
          await opened[0]?.cache.backend?.clear(`${opened[0].config.prefix}:`);
          await Promise.all(opened.map((c) => c.close()));
        }
      },
    ),
    { numRuns },
  );
  return t;
}

function expectIsolated(t: Tally): void {
  expect(t.prompts).toBeGreaterThan(0);
  expect({ crossReads: t.crossReads, crossDeletes: t.crossDeletes }).toEqual({
    crossReads: 0,
    crossDeletes: 0,
  });
}

describe('tenant isolation: withCache(openai) on memory', () => {
  for (const layout of ['namespace option', 'views'] as const) {
    it(`${layout}: B never gets or removes A's answers`, async () => {
      // One backend per run, shared by both tenants: they would see each other's entries if keys collided.
      expectIsolated(await property(layout, () => ({ backend: new MemoryBackend() }), 25));
    });
  }

  it('the distributed lock keys of two tenants differ for the same request', async () => {
    const lock = new RecordingLock();
    const root = new AIResponseCache({ lock });
    const a = withCache(client, { cache: root.namespace('tenant-a') });
    const b = withCache(client, { cache: root.namespace('tenant-b') });
    await a.chat.completions.create(ask('same request'));
    await b.chat.completions.create(ask('same request'));
    expect(lock.keys).toHaveLength(2);
    expect(lock.keys[0]).not.toBe(lock.keys[1]);
    // Lock keys never carry the prompt either.
    for (const key of lock.keys) expect(key).not.toContain('same request');
    await root.close();
  });
});

describeRedis('tenant isolation: withCache(openai) on a real Redis', (url) => {
  for (const layout of ['namespace option', 'views'] as const) {
    it(`${layout}: B never gets or removes A's answers`, async () => {
      expectIsolated(
        await property(layout, () => ({ redisUrl: url, prefix: uniqueCachePrefix('oai-tenants') }), 8),
      );
    });
  }
});
