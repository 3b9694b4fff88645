/** cachedTool (AI SDK tools, through the SDK's own tool loop) and cacheTool (any async function). */
import { generateText, jsonSchema, tool, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { AIResponseCache, ValidationError } from '../../src/index.js';
import { cachedTool, cacheMiddleware, cacheTool } from '../../src/integrations/ai-sdk/index.js';
import { toolResult } from './ai-sdk-fixtures.js';

const caches: AIResponseCache[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});
const newCache = () => {
  const cache = new AIResponseCache();
  caches.push(cache);
  return cache;
};

const options = { toolCallId: 'call-1', messages: [] };

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('cachedTool', () => {
  const weatherTool = (runs: { city: string }[], wait?: Promise<void>) =>
    tool({
      description: 'Weather of a city',
      inputSchema: jsonSchema<{ city: string }>({
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
      }),
      execute: async (input: { city: string }) => {
        runs.push(input);
        await wait;
        return { city: input.city, temperature: 21 };
      },
    });

  it('the second identical call does not run the tool; other arguments do', async () => {
    const runs: { city: string }[] = [];
    const cached = cachedTool(weatherTool(runs), { cache: newCache(), name: 'weather', ttl: '10m' });
    const first = await cached.execute?.({ city: 'Paris' }, options);
    const second = await cached.execute?.({ city: 'Paris' }, { ...options, toolCallId: 'call-2' });
    expect(second).toEqual(first);
    expect(second).toEqual({ city: 'Paris', temperature: 21 });
    expect(runs).toHaveLength(1);
    await cached.execute?.({ city: 'Rome' }, options);
    expect(runs).toEqual([{ city: 'Paris' }, { city: 'Rome' }]);
    expect(cached.description).toBe('Weather of a city');
    expect(cached.inputSchema).toBeDefined();
  });

  it('coalesces 10 concurrent identical calls into one run', async () => {
    const runs: { city: string }[] = [];
    const { promise, open } = gate();
    const cached = cachedTool(weatherTool(runs, promise), { cache: newCache(), name: 'weather' });
    const calls = Array.from({ length: 10 }, () => cached.execute?.({ city: 'Oslo' }, options));
    await expect.poll(() => runs.length).toBe(1);
    open();
    const results = await Promise.all(calls);
    expect(runs).toHaveLength(1);
    expect(new Set(results.map((r) => JSON.stringify(r)))).toEqual(
      new Set([JSON.stringify({ city: 'Oslo', temperature: 21 })]),
    );
  });

  it('never caches an error', async () => {
    let runs = 0;
    const flaky = tool({
      description: 'Flaky',
      inputSchema: jsonSchema<{ q: string }>({ type: 'object' }),
      execute: async () => {
        runs++;
        if (runs === 1) throw new Error('upstream down');
        return 'ok';
      },
    });
    const cached = cachedTool(flaky, { cache: newCache(), name: 'flaky' });
    await expect(cached.execute?.({ q: 'x' }, options)).rejects.toThrow('upstream down');
    expect(await cached.execute?.({ q: 'x' }, options)).toBe('ok');
    expect(await cached.execute?.({ q: 'x' }, options)).toBe('ok');
    expect(runs).toBe(2);
  });

  it('keys by the key function when given (the tool name always part of it)', async () => {
    const runs: { city: string }[] = [];
    const cache = newCache();
    const cached = cachedTool(weatherTool(runs), {
      cache,
      name: 'weather',
      key: (input) => input.city.toLowerCase(),
    });
    const other = cachedTool(weatherTool(runs), {
      cache,
      name: 'forecast',
      key: (input) => input.city.toLowerCase(),
    });
    await cached.execute?.({ city: 'Paris' }, options);
    await cached.execute?.({ city: 'PARIS' }, options);
    expect(runs).toHaveLength(1);
    await other.execute?.({ city: 'Paris' }, options);
    expect(runs).toHaveLength(2);
  });

  it('runs once for two identical agent runs whose model answers come from the cache too', async () => {
    const runs: { city: string }[] = [];
    let modelCalls = 0;
    const model = wrapLanguageModel({
      model: new MockLanguageModelV3({
        doGenerate: async () => {
          modelCalls++;
          return toolResult('v3') as never;
        },
      }),
      middleware: cacheMiddleware(newCache()),
    });
    const tools = { weather: cachedTool(weatherTool(runs), { cache: newCache(), name: 'weather' }) };
    const one = await generateText({ model, prompt: 'Weather in Paris?', tools });
    const two = await generateText({ model, prompt: 'Weather in Paris?', tools });
    expect(two.toolResults).toEqual(one.toolResults);
    expect(two.toolResults[0]).toMatchObject({ output: { city: 'Paris', temperature: 21 } });
    expect(runs).toHaveLength(1);
    expect(modelCalls).toBe(1);
  });

  it('needs a name (or a description), and leaves a tool without execute as it is', () => {
    const noName = { execute: async () => 1 };
    expect(() => cachedTool(noName, { cache: newCache() })).toThrow(ValidationError);
    const clientSide = tool({ description: 'asks the user', inputSchema: jsonSchema({ type: 'object' }) });
    expect(cachedTool(clientSide, { cache: newCache() })).toBe(clientSide);
  });
});

describe('cacheTool', () => {
  it('answers identical arguments from the cache (stable over key order), never caches errors', async () => {
    const calls: unknown[] = [];
    async function search(query: { q: string; limit: number }, page: number) {
      calls.push([query, page]);
      if (query.q === 'boom') throw new Error('search failed');
      return { hits: [`${query.q}-${page}`] };
    }
    const cached = cacheTool(search, { cache: newCache(), ttl: '1m' });
    expect(await cached({ q: 'cats', limit: 5 }, 1)).toEqual({ hits: ['cats-1'] });
    expect(await cached({ limit: 5, q: 'cats' }, 1)).toEqual({ hits: ['cats-1'] });
    expect(calls).toHaveLength(1);
    await cached({ q: 'cats', limit: 5 }, 2);
    expect(calls).toHaveLength(2);
    await expect(cached({ q: 'boom', limit: 1 }, 1)).rejects.toThrow('search failed');
    await expect(cached({ q: 'boom', limit: 1 }, 1)).rejects.toThrow('search failed');
    expect(calls).toHaveLength(4);
  });

  it('coalesces concurrent identical calls', async () => {
    let runs = 0;
    const { promise, open } = gate();
    const cached = cacheTool(
      async (n: number) => {
        runs++;
        await promise;
        return n * 2;
      },
      { cache: newCache(), name: 'double' },
    );
    const calls = Array.from({ length: 10 }, () => cached(21));
    await expect.poll(() => runs).toBe(1);
    open();
    expect(await Promise.all(calls)).toEqual(Array(10).fill(42));
    expect(runs).toBe(1);
  });

  it('rejects an anonymous function without a name, and invalid options, listing every problem', () => {
    expect(() => cacheTool(async () => 1, { cache: newCache() })).toThrow(/name/);
    try {
      cacheTool(async () => 1, { cache: {} as AIResponseCache, operation: 'a:b' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual([
        'cache',
        'name',
        'operation',
      ]);
    }
  });
});
