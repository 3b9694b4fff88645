/**
 * AIResponseCache tenants: the `namespace` option and `ai.namespace(name)` views scope keys,
 * reads, invalidations, clear and statistics (memory backend shared by several caches).
 */
import { describe, expect, it } from 'vitest';
import { AIResponseCache } from '../../src/ai-cache/ai-response-cache.js';
import { MemoryBackend } from '../../src/backends/memory.js';
import { ValidationError } from '../../src/errors.js';

const req = (text: string, operation = 'summarize') => ({ text, operation, options: { model: 'm' } });

/** Two caches over one shared L2 (as two processes on one Redis), L1 off so every read hits L2. */
function pair(a: string | undefined, b: string | undefined) {
  const backend = new MemoryBackend();
  const make = (namespace: string | undefined) =>
    new AIResponseCache({ backend, l1: false, ...(namespace === undefined ? {} : { namespace }) });
  return { backend, a: make(a), b: make(b) };
}

describe('AIResponseCache: the namespace option', () => {
  it('tenant B never reads what tenant A stored, for the same request', async () => {
    const { a, b } = pair('tenant-a', 'tenant-b');
    await a.cacheResponse({ ...req('hello'), response: 'A' });
    expect(await b.getResponse(req('hello'))).toBeUndefined();
    await b.cacheResponse({ ...req('hello'), response: 'B' });
    expect(await a.getResponse(req('hello'))).toBe('A');
    expect(await b.getResponse(req('hello'))).toBe('B');
    expect(await a.keyFor(req('hello'))).not.toBe(await b.keyFor(req('hello')));
  });

  it("A's invalidate, invalidateOperation and clear leave B's answers alone", async () => {
    const { a, b } = pair('tenant-a', 'tenant-b');
    for (const ai of [a, b]) {
      await ai.cacheResponse({ ...req('one'), response: 1 });
      await ai.cacheResponse({ ...req('two', 'qa'), response: 2 });
    }
    expect(await a.invalidate(req('one'))).toBe(true);
    await a.invalidateOperation('qa');
    expect(await b.getResponse(req('one'))).toBe(1);
    expect(await b.getResponse(req('two', 'qa'))).toBe(2);
    await a.cacheResponse({ ...req('one'), response: 1 });
    await a.clear();
    expect(await a.getResponse(req('one'))).toBeUndefined();
    expect(await b.getResponse(req('one'))).toBe(1);
    expect(await b.getResponse(req('two', 'qa'))).toBe(2);
  });

  it('the tenant-less cache and a tenant named like its own segments ("ai", an operation) never touch each other', async () => {
    const backend = new MemoryBackend();
    const root = new AIResponseCache({ backend, l1: false });
    const ai = new AIResponseCache({ backend, l1: false, namespace: 'ai' });
    const summarize = new AIResponseCache({ backend, l1: false, namespace: 'summarize' });
    for (const c of [root, ai, summarize]) {
      await c.cacheResponse({ ...req('x', 'ai'), response: 'ai-op' });
      await c.cacheResponse({ ...req('x'), response: 'summarize-op' });
    }
    await root.invalidateOperation('ai');
    await root.clear();
    for (const c of [ai, summarize]) {
      expect(await c.getResponse(req('x', 'ai'))).toBe('ai-op');
      expect(await c.getResponse(req('x'))).toBe('summarize-op');
    }
    await ai.clear();
    expect(await summarize.getResponse(req('x'))).toBe('summarize-op');
  });

  it('rejects invalid namespace names with a ValidationError at construction', () => {
    for (const namespace of ['a:b', 'a#b', 'a b', '']) {
      expect(() => new AIResponseCache({ namespace })).toThrow(ValidationError);
    }
  });

  it('keeps statistics per tenant', async () => {
    const { a, b } = pair('tenant-a', 'tenant-b');
    await a.cacheResponse({ ...req('s'), response: 1 });
    await a.getResponse(req('s'));
    await b.getResponse(req('s'));
    expect(a.stats()).toMatchObject({ hits: 1, misses: 0, sets: 1, l2Hits: 1 });
    expect(b.stats()).toMatchObject({ hits: 0, misses: 1, sets: 0, l2Hits: 0 });
  });
});

describe('AIResponseCache.namespace(name): views sharing the connections', () => {
  it('isolates views from each other, from their parent and from their children', async () => {
    const root = new AIResponseCache({ backend: new MemoryBackend() });
    const a = root.namespace('a');
    const ab = a.namespace('b');
    const b = root.namespace('b');
    expect(ab.namespacePath).toEqual(['a', 'b']);
    const all = [root, a, ab, b];
    for (const [i, c] of all.entries()) await c.cacheResponse({ ...req('same'), response: i });
    for (const [i, c] of all.entries()) expect(await c.getResponse(req('same'))).toBe(i);
    await a.clear();
    expect(await a.getResponse(req('same'))).toBeUndefined();
    expect(await ab.getResponse(req('same'))).toBe(2);
    expect(await root.getResponse(req('same'))).toBe(0);
    await root.invalidateOperation('summarize');
    expect(await ab.getResponse(req('same'))).toBe(2);
    expect(await b.getResponse(req('same'))).toBe(3);
    await b.invalidate(req('same'));
    expect(await ab.getResponse(req('same'))).toBe(2);
    expect(b.stats()).toMatchObject({ sets: 1 });
    expect(root.stats()).toMatchObject({ sets: 1 });
    await root.close();
  });

  it("a view's close() keeps the shared connections open; the root's closes them", async () => {
    const backend = new MemoryBackend();
    let closed = 0;
    const close = backend.close.bind(backend);
    backend.close = async () => {
      closed++;
      await close();
    };
    const root = new AIResponseCache({ backend });
    const view = root.namespace('t');
    await view.close();
    expect(closed).toBe(0);
    await view.cacheResponse({ ...req('still'), response: 1 });
    expect(await view.getResponse(req('still'))).toBe(1);
    await root.close();
    expect(closed).toBe(1);
  });

  it('validates view names', () => {
    const root = new AIResponseCache();
    expect(() => root.namespace('x:y')).toThrow(ValidationError);
    expect(() => root.namespace('')).toThrow(ValidationError);
  });

  it('a view of the configured namespace nests inside it', async () => {
    const backend = new MemoryBackend();
    const t = new AIResponseCache({ backend, namespace: 't' });
    expect(t.namespacePath).toEqual(['t']);
    expect(t.namespace('u').namespacePath).toEqual(['t', 'u']);
    await t.namespace('u').cacheResponse({ ...req('k'), response: 'u' });
    expect(await t.getResponse(req('k'))).toBeUndefined();
    expect(await new AIResponseCache({ backend, namespace: 'u' }).getResponse(req('k'))).toBeUndefined();
  });
});

describe('AIResponseCache: namespace validation with the other options', () => {
  it('reports an invalid namespace together with every other problem', () => {
    let error: unknown;
    try {
      new AIResponseCache({ namespace: 'a:b', defaultTtl: -1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(['defaultTtl', 'namespace']);
  });
});
