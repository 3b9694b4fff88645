/**
 * The ai-sdk middleware suite, run against one major of the SDK (`ai` 5, 6 or 7) with that
 * major's own `MockLanguageModelV*` and `simulateReadableStream`, through the SDK's own
 * `generateText` / `streamText` / `generateObject` / `streamObject`.
 */
import { describe, expect, it } from 'vitest';
import { cacheMiddleware } from '../../src/integrations/ai-sdk/index.js';
import {
  objectResult,
  TIMESTAMP,
  textParts,
  toolParts,
  toolResult,
  withoutCacheMetadata,
} from './ai-sdk-fixtures.js';
import { createHarness, type Loose, type SdkUnderTest } from './ai-sdk-harness.js';
import { streamFailureTests } from './ai-sdk-suite-failures.js';

export type { SdkUnderTest } from './ai-sdk-harness.js';

export function aiSdkSuite(sdk: SdkUnderTest): void {
  const { version, major, ai, MockLanguageModel } = sdk;
  describe(`ai ${major} (LanguageModel${version.toUpperCase()})`, () => {
    const harness = createHarness(sdk);
    const { newCache, wrapped, status } = harness;

    it('loads the SDK major the suite is named for', async () => {
      expect(new MockLanguageModel().specificationVersion).toBe(version);
    });

    it('generateText twice -> 1 model call, the same answer, status and savings in providerMetadata', async () => {
      const m = wrapped({});
      const first = await ai.generateText({ model: m.model, prompt: 'Capital of France?' });
      const second = await ai.generateText({ model: m.model, prompt: 'Capital of France?' });
      expect(m.generateCalls()).toBe(1);
      expect(status(first.providerMetadata)).toBe('miss');
      expect(second.providerMetadata['ai-response-cache']).toEqual({
        status: 'hit',
        savedTokens: 30,
        savedMs: expect.any(Number),
      });
      expect(second.providerMetadata.mock).toEqual({ requestId: 'r-1' });
      expect(second.text).toBe('Paris is the capital of France.');
      expect(second.reasoningText).toBe(first.reasoningText);
      expect(second.usage).toEqual(first.usage);
      expect(second.finishReason).toBe('stop');
      expect(second.response.timestamp).toBeInstanceOf(Date);
      expect(second.response.timestamp.getTime()).toBe(TIMESTAMP.getTime());
      expect(second.response.modelId).toBe('mock-model-2026');
      const { savings } = m.cache.stats();
      expect(savings.upstreamCallsAvoided).toBe(1);
      expect(savings.tokens).toEqual({ prompt: 10, completion: 20, total: 30 });
    });

    it('streamText twice -> 1 model call and identical parts (reasoning, text, finish, usage)', async () => {
      const m = wrapped({});
      const read = async () => {
        const result = ai.streamText({ model: m.model, prompt: 'Capital of France?' });
        const parts: unknown[] = [];
        for await (const part of result.fullStream) parts.push(part);
        return {
          parts,
          providerMetadata: await result.providerMetadata,
          reasoning: await result.reasoningText,
        };
      };
      const first = await read();
      const second = await read();
      expect(m.streamCalls()).toBe(1);
      expect(status(first.providerMetadata)).toBe('miss');
      expect(status(second.providerMetadata)).toBe('hit');
      expect(withoutCacheMetadata(second.parts)).toEqual(withoutCacheMetadata(first.parts));
      expect(second.reasoning).toBe('The user asks for a capital.');
      const types = (second.parts as { type: string }[]).map((p) => p.type);
      expect(types).toEqual(expect.arrayContaining(['reasoning-delta', 'text-delta', 'finish']));
      const meta = (second.parts as Loose[]).find((p) => p.type === 'finish-step');
      expect(meta.response.timestamp).toBeInstanceOf(Date);
    });

    it('a recorded pacing replays the same parts', async () => {
      const m = wrapped({}, { pacing: { maxDelayMs: 1 } });
      const text = async () => (await ai.streamText({ model: m.model, prompt: 'paced' }).text) as string;
      expect(await text()).toBe(await text());
      expect(m.streamCalls()).toBe(1);
    });

    it('streamText and generateText of one prompt share one entry, both ways', async () => {
      const m = wrapped({});
      const streamed = ai.streamText({ model: m.model, prompt: 'stream first' });
      expect(await streamed.text).toBe('Paris is the capital of France.');
      const generated = await ai.generateText({ model: m.model, prompt: 'stream first' });
      expect(status(generated.providerMetadata)).toBe('hit');
      expect(generated.text).toBe('Paris is the capital of France.');
      expect(generated.reasoningText).toBe('The user asks for a capital.');

      const json = await ai.generateText({ model: m.model, prompt: 'json first' });
      const replayed = ai.streamText({ model: m.model, prompt: 'json first' });
      const parts: Loose[] = [];
      for await (const part of replayed.fullStream) parts.push(part);
      expect(status(await replayed.providerMetadata)).toBe('hit');
      expect(await replayed.text).toBe(json.text);
      expect(await replayed.reasoningText).toBe(json.reasoningText);
      expect(parts.filter((p) => p.type === 'text-delta').length).toBeGreaterThan(0);
      expect(m.streamCalls() + m.generateCalls()).toBe(2);
    });

    it('20 concurrent identical generateText calls -> 1 model call', async () => {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const m = wrapped({ gate });
      const calls = Array.from({ length: 20 }, () => ai.generateText({ model: m.model, prompt: 'together' }));
      await expect.poll(() => m.generateCalls()).toBe(1);
      open();
      const results = await Promise.all(calls);
      expect(m.generateCalls()).toBe(1);
      expect(new Set(results.map((r: Loose) => r.text))).toEqual(
        new Set(['Paris is the capital of France.']),
      );
      const statuses = results.map((r: Loose) => status(r.providerMetadata));
      expect(statuses.filter((s) => s === 'miss')).toHaveLength(1);
      expect(statuses.every((s) => s === 'miss' || s === 'coalesced' || s === 'hit')).toBe(true);
    });

    it('20 concurrent identical streamText calls -> 1 model call, every stream complete', async () => {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const m = wrapped({ gate });
      const calls = Array.from({ length: 20 }, () => ai.streamText({ model: m.model, prompt: 'together' }));
      const texts = Promise.all(calls.map((c: Loose) => c.text));
      await expect.poll(() => m.streamCalls()).toBe(1);
      open();
      expect(new Set(await texts)).toEqual(new Set(['Paris is the capital of France.']));
      expect(m.streamCalls()).toBe(1);
    });

    it('10 streamText + 10 generateText concurrent identical calls -> 1 model call', async () => {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const m = wrapped({ gate });
      const streams = Array.from({ length: 10 }, () => ai.streamText({ model: m.model, prompt: 'mixed' }));
      const texts = Promise.all([
        ...streams.map((c: Loose) => c.text),
        ...Array.from({ length: 10 }, () =>
          ai.generateText({ model: m.model, prompt: 'mixed' }).then((r: Loose) => r.text),
        ),
      ]);
      await expect.poll(() => m.streamCalls() + m.generateCalls()).toBe(1);
      open();
      expect(new Set(await texts)).toEqual(new Set(['Paris is the capital of France.']));
      expect(m.streamCalls() + m.generateCalls()).toBe(1);
    });

    it('tool calls survive a replay (generate and stream)', async () => {
      const executed: unknown[] = [];
      const tools = {
        weather: ai.tool({
          description: 'Weather of a city',
          inputSchema: ai.jsonSchema({
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          }),
          execute: async (input: unknown) => {
            executed.push(input);
            return { temperature: 21 };
          },
        }),
      };
      const m = wrapped({ result: () => toolResult(version), parts: () => toolParts(version) });
      const first = await ai.generateText({ model: m.model, prompt: 'Weather in Paris?', tools });
      const second = await ai.generateText({ model: m.model, prompt: 'Weather in Paris?', tools });
      expect(m.generateCalls()).toBe(1);
      expect(status(second.providerMetadata)).toBe('hit');
      expect(second.toolCalls).toEqual(first.toolCalls);
      expect(second.toolCalls[0]).toMatchObject({
        toolCallId: 'call-1',
        toolName: 'weather',
        input: { city: 'Paris' },
      });
      expect(second.toolResults[0]).toMatchObject({ output: { temperature: 21 } });
      expect(second.finishReason).toBe('tool-calls');

      const streamOnce = async () => {
        const result = ai.streamText({ model: m.model, prompt: 'Weather in Paris? (stream)', tools });
        const parts: Loose[] = [];
        for await (const part of result.fullStream) parts.push(part);
        return parts;
      };
      const live = await streamOnce();
      const replayed = await streamOnce();
      expect(m.streamCalls()).toBe(1);
      expect(withoutCacheMetadata(replayed)).toEqual(withoutCacheMetadata(live));
      const deltas = replayed.filter((p) => p.type === 'tool-input-delta').map((p) => p.delta);
      expect(deltas).toEqual(['{"city":', '"Paris"}']);
      expect(replayed.find((p) => p.type === 'tool-call')).toMatchObject({ input: { city: 'Paris' } });
      expect(executed).toHaveLength(4);
    });

    it('generateObject and streamObject are answered from the cache', async () => {
      const m = wrapped({
        result: () => objectResult(version),
        parts: () => textParts(version, '{"city":"Paris","country":"France"}'),
      });
      const schema = ai.jsonSchema({
        type: 'object',
        properties: { city: { type: 'string' }, country: { type: 'string' } },
        required: ['city', 'country'],
      });
      const first = await ai.generateObject({ model: m.model, prompt: 'Where?', schema });
      const second = await ai.generateObject({ model: m.model, prompt: 'Where?', schema });
      expect(second.object).toEqual({ city: 'Paris', country: 'France' });
      expect(second.object).toEqual(first.object);
      expect(m.generateCalls()).toBe(1);

      const objectOf = async () => {
        const result = ai.streamObject({ model: m.model, prompt: 'Where? (stream)', schema });
        for await (const _partial of result.partialObjectStream) {
          // read to the end
        }
        return result.object;
      };
      expect(await objectOf()).toEqual({ city: 'Paris', country: 'France' });
      expect(await objectOf()).toEqual({ city: 'Paris', country: 'France' });
      expect(m.streamCalls()).toBe(1);
    });

    it('keys on the prompt and the settings, never on headers or the abort signal', async () => {
      const m = wrapped({});
      const call = (extra: Record<string, unknown>) =>
        ai
          .generateText({ model: m.model, prompt: 'Key me', ...extra })
          .then((r: Loose) => status(r.providerMetadata));
      expect(await call({})).toBe('miss');
      expect(await call({ headers: { 'x-trace': 'a' }, abortSignal: new AbortController().signal })).toBe(
        'hit',
      );
      expect(await call({ temperature: 0.5 })).toBe('miss');
      expect(await call({ seed: 7 })).toBe('miss');
      expect(await call({ maxOutputTokens: 50 })).toBe('miss');
      expect(await call({ providerOptions: { mock: { reasoningEffort: 'low' } } })).toBe('miss');
      expect(
        await call({
          toolChoice: 'none',
          tools: { t: ai.tool({ inputSchema: ai.jsonSchema({ type: 'object' }) }) },
        }),
      ).toBe('miss');
      expect(await call({ prompt: 'Key me too' })).toBe('miss');
      expect(m.generateCalls()).toBe(7);
    });

    it("takes per-call options from providerOptions['ai-response-cache'], outside the key", async () => {
      const m = wrapped({});
      const call = (ours?: Record<string, unknown>) =>
        ai
          .generateText({
            model: m.model,
            prompt: 'per call',
            ...(ours && { providerOptions: { 'ai-response-cache': ours } }),
          })
          .then((r: Loose) => status(r.providerMetadata));
      expect(await call()).toBe('miss');
      expect(await call({ ttl: '1h' })).toBe('hit');
      expect(await call({ noCache: true })).toBe('miss');
      expect(m.generateCalls()).toBe(2);
    });

    it("sampling: 'bypass' leaves temperature > 0 calls uncached, temperature 0 cached", async () => {
      const m = wrapped({}, { sampling: 'bypass' });
      const call = (temperature: number) =>
        ai
          .generateText({ model: m.model, prompt: 'sampled', temperature })
          .then((r: Loose) => status(r.providerMetadata));
      expect([await call(0.7), await call(0.7)]).toEqual(['bypass', 'bypass']);
      expect([await call(0), await call(0)]).toEqual(['miss', 'hit']);
      expect(m.generateCalls()).toBe(3);
    });

    it('rejects invalid options with every problem listed', () => {
      expect(() =>
        cacheMiddleware(newCache(), { operation: 'a:b', pacing: 'fast' as never, streams: 1 as never }),
      ).toThrow(
        expect.objectContaining({
          name: 'ValidationError',
          issues: expect.arrayContaining([
            expect.objectContaining({ path: 'operation' }),
            expect.objectContaining({ path: 'pacing' }),
            expect.objectContaining({ path: 'streams' }),
          ]),
        }),
      );
    });

    streamFailureTests(sdk, harness);
  });
}
