/**
 * Prompt text never leaves AIResponseCache through events, callbacks or errors: an answer's key
 * carries the prompt verbatim below `textHashThreshold`, and is shown as
 * `prefix:…:ai:{operation}:#{hash}` everywhere it is reported.
 */
import { describe, expect, it } from 'vitest';
import { AIResponseCache } from '../../src/ai-cache/ai-response-cache.js';
import { MemoryBackend } from '../../src/backends/memory.js';
import type { CacheBackend } from '../../src/backends/types.js';
import type { CacheEvent, CacheEventName } from '../../src/cache/events.js';
import { InfrastructureError } from '../../src/errors.js';
import { AlertingCallback, AuditCallback, PerformanceCallback } from '../../src/observability/index.js';

const MARKER = 'Zanzibarquokka';
const EVENTS: CacheEventName[] = ['hit', 'miss', 'set', 'delete', 'clear', 'error', 'degraded', 'recovered'];

/** A memory backend whose operations can be made to fail with errors that quote the key (as a driver's might). */
class FlakyBackend implements CacheBackend {
  readonly name = 'flaky';
  readonly inner = new MemoryBackend();
  /** `'loud'`: the message, context and cause quote the key; `'driver'`: only a field and the cause do (as an ioredis ReplyError's `command`). */
  failing: false | 'loud' | 'driver' = false;
  #fail(op: string, key: string): void {
    if (this.failing === 'loud') {
      throw new InfrastructureError(`${op} ${key} failed: connection reset`, {
        context: { key, op, detail: { keys: [key] } },
        cause: new Error(`socket error while sending ${op} ${key}`),
      });
    }
    if (this.failing === 'driver') {
      throw Object.assign(new Error('ERR reply', { cause: new Error(`while sending ${key}`) }), {
        command: { name: op, args: [key, 'PX', 1000] },
      });
    }
  }
  async get(key: string) {
    this.#fail('GET', key);
    return this.inner.get(key);
  }
  async set(key: string, value: Uint8Array, ttlMs: number) {
    this.#fail('SET', key);
    return this.inner.set(key, value, ttlMs);
  }
  async delete(key: string) {
    this.#fail('DEL', key);
    return this.inner.delete(key);
  }
  async has(key: string) {
    this.#fail('EXISTS', key);
    return this.inner.has(key);
  }
  async clear(prefix?: string) {
    this.#fail('SCAN', prefix ?? '');
    return this.inner.clear(prefix);
  }
  keys(prefix?: string) {
    return this.inner.keys(prefix);
  }
  async close() {
    await this.inner.close();
  }
}

/** Every string reachable from `value`, errors included (message, stack, context, cause). */
function flatten(value: unknown, out: string[] = [], seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number' || typeof value === 'boolean') out.push(String(value));
  else if (typeof value === 'object' && value !== null && !seen.has(value)) {
    seen.add(value);
    if (value instanceof Error) {
      out.push(value.message, value.stack ?? '', String(value));
      flatten((value as { context?: unknown }).context, out, seen);
      flatten(value.cause, out, seen);
    }
    for (const child of Object.values(value)) flatten(child, out, seen);
    // Non-enumerable fields too (an error's own hidden properties).
    for (const name of Object.getOwnPropertyNames(value)) {
      if (name !== 'constructor') flatten((value as Record<string, unknown>)[name], out, seen);
    }
  }
  return out;
}

function setup() {
  const backend = new FlakyBackend();
  // l1: false for the reader, so that L2 hits and L2 errors happen on every read.
  const ai = new AIResponseCache({
    backend,
    prefix: 'app',
    namespace: 'tenant-x',
    textHashThreshold: 10_000,
  });
  const reader = new AIResponseCache({
    backend,
    prefix: 'app',
    namespace: 'tenant-x',
    textHashThreshold: 10_000,
    l1: false,
  });
  const seen: unknown[] = [];
  for (const cache of [ai, reader]) {
    for (const event of EVENTS) cache.on(event, (e: CacheEvent) => seen.push(e));
    cache.cache.use({
      onGet: (c) => void seen.push(c),
      onSet: (c) => void seen.push(c),
      onMiss: (c) => void seen.push(c),
      onDelete: (c) => void seen.push(c),
      onError: (c) => void seen.push(c),
    });
    cache.cache.use(new AuditCallback({ log: (r) => seen.push(r) }));
    cache.cache.use(new PerformanceCallback({ slowThresholdMs: 0, onSlow: (s) => seen.push(s) }));
    const alerting = new AlertingCallback({
      errorRate: { maxErrors: 0, windowMs: 60_000 },
      missRate: { threshold: 0, minSamples: 1, windowMs: 60_000 },
      cooldownMs: 0,
    });
    alerting.on('alert', (a) => seen.push(a));
    cache.cache.use(alerting);
  }
  return { backend, ai, reader, seen };
}

describe('AIResponseCache: the prompt never appears in events, callbacks or errors', () => {
  it('for misses, sets, L1 and L2 hits, invalidations, clears, backend errors and corrupt entries', async () => {
    const { backend, ai, reader, seen } = setup();
    const request = { text: `Please summarize: ${MARKER} went to the market.`, operation: 'summarize' };
    const key = await ai.keyFor(request);
    // The test means something: the real key does carry the prompt.
    expect(key).toContain(MARKER);

    expect(await ai.getResponse(request)).toBeUndefined(); // miss
    await ai.cacheResponse({ ...request, response: { summary: 'ok' } }); // set
    expect(await ai.getResponse(request)).toEqual({ summary: 'ok' }); // L1 hit
    expect(await reader.getResponse(request)).toEqual({ summary: 'ok' }); // L2 hit
    expect(await ai.invalidate(request)).toBe(true); // delete
    await ai.cacheResponse({ ...request, response: 1 });
    await ai.invalidateOperation('summarize'); // clear of an operation
    await ai.cacheResponse({ ...request, response: 2 });
    await ai.clear();

    // Backend failures (errors whose message, context and cause quote the key).
    for (const mode of ['loud', 'driver'] as const) {
      backend.failing = mode;
      expect(await reader.getResponse(request)).toBeUndefined();
      await ai.cacheResponse({ ...request, response: 3 });
      await ai.invalidate(request);
    }
    backend.failing = false;

    // A corrupt entry: decoded, reported, deleted.
    await backend.inner.set(key, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 60_000);
    expect(await reader.getResponse(request)).toBeUndefined();

    // A response that cannot be serialized: the thrown error does not carry the key either.
    const thrown = await ai.cacheResponse({ ...request, response: { n: 1n } }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Error);
    seen.push(thrown);

    const kinds = new Set(
      seen.map((s) => (s as { type?: string; op?: string }).type ?? (s as { op?: string }).op ?? 'other'),
    );
    for (const kind of ['miss', 'set', 'hit', 'delete', 'clear', 'error', 'degraded'])
      expect(kinds, kind).toContain(kind);
    const errors = seen.filter((s) => (s as CacheEvent).type === 'error') as CacheEvent[];
    expect(errors.length).toBeGreaterThan(2);
    // Nine bytes that are no envelope at all: a foreign entry.
    expect(errors.some((e) => e.detail?.reason === 'foreign-entry')).toBe(true);

    const strings = flatten(seen);
    expect(strings.length).toBeGreaterThan(100);
    const leaks = strings.filter((s) => s.includes(MARKER));
    expect(leaks).toEqual([]);

    // Keys are shown in their hashed form, which still names the operation and the tenant.
    const shown = (seen.find((s) => (s as CacheEvent).type === 'set') as CacheEvent).key;
    expect(shown).toMatch(/^app:@tenant-x:ai:summarize:#[0-9a-f]+$/);
    // The same key always gets the same description (events of one key can be correlated).
    const hits = seen.filter((s) => (s as CacheEvent).type === 'hit') as CacheEvent[];
    expect(new Set(hits.map((h) => h.key))).toEqual(new Set([shown]));
    await ai.close();
  });

  it('generic caches keep showing their keys as they are', async () => {
    const ai = new AIResponseCache();
    const events: CacheEvent[] = [];
    ai.on('set', (e) => events.push(e));
    await ai.cache.set('plain-key', 1);
    expect(events[0]?.key).toContain('plain-key');
    await ai.close();
  });

  it('Cache.namespace(name, { describeKey }): events, callbacks and errors use it, nested namespaces inherit it', async () => {
    const { createCache } = await import('../../src/cache/cache.js');
    const { TimeoutError } = await import('../../src/errors.js');
    const cache = createCache({ backend: new MemoryBackend() });
    const secret = cache.namespace('s', { describeKey: (full) => `hidden(${full.length})` });
    const nested = secret.namespace('n');
    const seen: unknown[] = [];
    for (const event of EVENTS) cache.on(event, (e) => seen.push(e));
    cache.use({ onSet: (c) => void seen.push(c), onMiss: (c) => void seen.push(c) });
    await secret.set(MARKER, 1);
    await nested.get(MARKER);
    const timeout = await nested
      .getOrSet(`${MARKER}-slow`, () => new Promise(() => {}), { hardTimeout: 5 })
      .catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(TimeoutError);
    seen.push(timeout);
    expect(flatten(seen).filter((x) => x.includes(MARKER))).toEqual([]);
    expect((seen[0] as CacheEvent).key).toMatch(/^hidden\(\d+\)$/);
    await cache.set(MARKER, 2); // the root has no describeKey: its keys show as they are
    expect(flatten(seen.slice(-2)).some((x) => x.includes(MARKER))).toBe(true);
    await cache.close();
  });

  it('withCache(openai): misses, hits, streams, forced refreshes and backend errors never show the prompt', async () => {
    const { startMockOpenAI } = await import('../../examples/mock-openai/server.js');
    const { default: OpenAI } = await import('openai');
    const { withCache } = await import('../../src/integrations/openai/index.js');
    const server = await startMockOpenAI({ latencyMs: { firstTokenMs: 0, perChunkMs: 0, responseMs: 0 } });
    // The reader has no L1: every call reaches the (failing) backend.
    const { backend, ai, reader, seen } = setup();
    try {
      const client = new OpenAI({ baseURL: server.url, apiKey: 'sk-test', maxRetries: 0 });
      const openai = withCache(client, { cache: reader, onError: (e) => void seen.push(e) });
      const params = {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user' as const, content: `About ${MARKER}` }],
      };
      await openai.chat.completions.create(params);
      await openai.chat.completions.create(params);
      for await (const _ of await openai.chat.completions.create({ ...params, stream: true })) {
        // drain
      }
      await openai.chat.completions.create(params, { cache: { forceRefresh: true } } as never);
      backend.failing = 'loud';
      await openai.chat.completions.create(params);
      backend.failing = 'driver';
      await openai.chat.completions.create(params);
      backend.failing = false;
      expect(seen.some((e) => (e as CacheEvent).type === 'hit')).toBe(true);
      expect(seen.some((e) => (e as CacheEvent).type === 'error')).toBe(true);
      expect(flatten(seen).filter((x) => x.includes(MARKER))).toEqual([]);
    } finally {
      await ai.close();
      await reader.close();
      await server.close();
    }
  });
});
