/**
 * The ai-sdk suite's stream failure cases: abandoned, failed and errored streams are never stored.
 */
import { expect, it } from 'vitest';
import { cacheMiddleware } from '../../src/integrations/ai-sdk/index.js';
import { textParts } from './ai-sdk-fixtures.js';
import type { Harness, SdkUnderTest } from './ai-sdk-harness.js';

export function streamFailureTests({ version, ai, MockLanguageModel }: SdkUnderTest, harness: Harness): void {
  const { newCache, stream, wrapped, status } = harness;

  it('an abandoned stream is not stored (and its model stream is cancelled)', async () => {
    let cancelled = false;
    let streamed = 0;
    const inner = new MockLanguageModel({
      provider: 'mock-provider',
      modelId: 'mock-model',
      doStream: async () => {
        streamed++;
        const parts = textParts(version).slice(0, 8);
        return {
          stream: new ReadableStream({
            start(controller) {
              for (const part of parts) controller.enqueue(part);
            },
            cancel() {
              cancelled = true;
            },
          }),
        };
      },
    });
    const model = ai.wrapLanguageModel({ model: inner, middleware: cacheMiddleware(newCache()) });
    const params = { prompt: [{ role: 'user', content: [{ type: 'text', text: 'abandon me' }] }] };
    const first = await model.doStream(params);
    const reader = first.stream.getReader();
    for (let i = 0; i < 3; i++) expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    await expect.poll(() => cancelled).toBe(true);
    const second = await model.doStream(params);
    const reader2 = second.stream.getReader();
    expect((await reader2.read()).done).toBe(false);
    await reader2.cancel();
    expect(streamed).toBe(2);
  });

  it('a stream that fails is not stored', async () => {
    let calls = 0;
    const inner = new MockLanguageModel({
      provider: 'mock-provider',
      modelId: 'mock-model',
      doStream: async () => {
        calls++;
        const parts = textParts(version);
        if (calls > 1) return stream(parts);
        return {
          stream: new ReadableStream({
            start(controller) {
              for (const part of parts.slice(0, 5)) controller.enqueue(part);
              controller.error(new Error('connection reset'));
            },
          }),
        };
      },
    });
    const model = ai.wrapLanguageModel({ model: inner, middleware: cacheMiddleware(newCache()) });
    // The SDK rethrows a failed model stream from fullStream, with or without the middleware.
    const failed = ai.streamText({ model, prompt: 'fail once' });
    const readAll = async () => {
      for await (const _part of failed.fullStream) {
        // read to the end
      }
    };
    await expect(readAll()).rejects.toThrow('connection reset');
    const retried = ai.streamText({ model, prompt: 'fail once' });
    expect(await retried.text).toBe('Paris is the capital of France.');
    expect(status(await retried.providerMetadata)).toBe('miss');
    expect(calls).toBe(2);
  });

  it('a stream ending with an error part is not stored', async () => {
    const parts = [...textParts(version).slice(0, 5), { type: 'error', error: { message: 'overloaded' } }];
    const m = wrapped({ parts: () => [...parts, textParts(version).at(-1)] });
    const once = async () => {
      const result = ai.streamText({ model: m.model, prompt: 'error part', onError: () => undefined });
      await result.consumeStream();
    };
    await once();
    await once();
    expect(m.streamCalls()).toBe(2);
  });
}
