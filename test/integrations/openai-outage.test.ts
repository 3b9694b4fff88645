/**
 * withCache(openai) while the cache's backend fails: the lock is skipped while the breaker is
 * open, and lookup + lock + store share one budget (the real `openai` client against the local
 * mock OpenAI server; the backend is a test double of the backend contract).
 */
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { AIResponseCache } from '../../src/index.js';
import { cacheStatus, withCache } from '../../src/integrations/openai/index.js';
import { ControlledBackend, CountingLock } from '../helpers/health-backend.js';

let server: MockOpenAI;
let client: OpenAI;
let ai: AIResponseCache | undefined;

beforeEach(async () => {
  server = await startMockOpenAI({ latencyMs: { firstTokenMs: 1, perChunkMs: 0, responseMs: 2 } });
  client = new OpenAI({ baseURL: server.url, apiKey: 'sk-test-secret', maxRetries: 0 });
});

afterEach(async () => {
  await ai?.close();
  ai = undefined;
  await server.close();
});

const ask = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }] });

describe('withCache while the backend fails', () => {
  it('skips the distributed lock while the breaker is open, and uses it again once closed', async () => {
    const backend = new ControlledBackend();
    const lock = new CountingLock();
    ai = new AIResponseCache({ backend, lock, l1: false });
    const openai = withCache(client, { cache: ai });
    backend.health.set('open');
    const during = await openai.chat.completions.create(ask('during the outage'));
    expect(cacheStatus(during)).toBe('miss');
    expect(lock.acquires).toBe(0);
    expect(backend.calls).toHaveLength(0);
    backend.health.set('closed');
    await openai.chat.completions.create(ask('after the outage'));
    expect(lock.acquires).toBe(1);
    const again = await openai.chat.completions.create(ask('after the outage'));
    expect(cacheStatus(again)).toBe('hit');
    expect(server.calls.total).toBe(2);
  });

  it('a hung backend and a hung lock: the call costs the upstream plus at most the budget', async () => {
    const backend = new ControlledBackend();
    backend.fault = () => 'hang';
    const lock = new CountingLock();
    lock.hang = true;
    ai = new AIResponseCache({ backend, lock, l1: false, budget: 40 });
    const openai = withCache(client, { cache: ai });
    const started = performance.now();
    const answers = await Promise.all([0, 1, 2].map((i) => openai.chat.completions.create(ask(`hung ${i}`))));
    // Generous: 3 budgets of 40 ms would be 120 ms; a per-step bound (lookup, lock, store) would hang forever.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(answers.map(cacheStatus)).toEqual(['miss', 'miss', 'miss']);
    expect(lock.acquires).toBe(3);
    expect(server.calls.total).toBe(3);
  });

  it('a hung stream store does not hold the end of the stream past the budget', async () => {
    const backend = new ControlledBackend();
    backend.fault = (op) => (op === 'set' ? 'hang' : undefined);
    ai = new AIResponseCache({ backend, lock: false, l1: false, budget: 40 });
    const openai = withCache(client, { cache: ai });
    const started = performance.now();
    const stream = await openai.chat.completions.create({ ...ask('stream me'), stream: true });
    let chunks = 0;
    for await (const _ of stream) chunks++;
    expect(chunks).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('embeddings: parallel lookups and the stores share the budget on a hung backend', async () => {
    const backend = new ControlledBackend();
    backend.fault = () => 'hang';
    ai = new AIResponseCache({ backend, lock: false, l1: false, budget: 40 });
    const openai = withCache(client, { cache: ai });
    const started = performance.now();
    const result = await openai.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['a', 'b', 'c'],
    });
    expect(result.data).toHaveLength(3);
    expect(cacheStatus(result)).toBe('miss');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
