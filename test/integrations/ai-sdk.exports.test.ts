/**
 * Direct tests of `PROVIDER_KEY` and `EXCLUDED_PARAMS` (`ai-response-cache/ai-sdk`) through the
 * SDK's own `generateText` / `streamText` (`ai` 6, `MockLanguageModelV3`) and the middleware.
 */
import * as ai from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { EXCLUDED_PARAMS, PROVIDER_KEY } from '../../src/integrations/ai-sdk/index.js';
import { createHarness, type Loose } from './ai-sdk-harness.js';

describe('ai-sdk exports', () => {
  const { wrapped } = createHarness({ version: 'v3', major: 6, ai, MockLanguageModel: MockLanguageModelV3 });

  describe('PROVIDER_KEY', () => {
    it("is where a result reports its cache status (beside the provider's own metadata)", async () => {
      const m = wrapped({});
      const miss = await ai.generateText({ model: m.model, prompt: 'provider key' });
      const hit = await ai.generateText({ model: m.model, prompt: 'provider key' });
      expect(PROVIDER_KEY).toBe('ai-response-cache');
      expect(miss.providerMetadata?.[PROVIDER_KEY]).toEqual({ status: 'miss' });
      expect(hit.providerMetadata?.[PROVIDER_KEY]).toMatchObject({ status: 'hit', savedTokens: 30 });
      expect(hit.providerMetadata?.mock).toEqual({ requestId: 'r-1' });
      expect(m.generateCalls()).toBe(1);
    });

    it('is where per-call options are given; they are not part of the key', async () => {
      const m = wrapped({});
      const call = (ours?: Record<string, unknown>) =>
        ai
          .generateText({
            model: m.model,
            prompt: 'per-call options',
            ...(ours ? { providerOptions: { [PROVIDER_KEY]: ours } as Loose } : {}),
          })
          .then((r: Loose) => r.providerMetadata?.[PROVIDER_KEY]?.status);
      expect(await call()).toBe('miss');
      expect(await call({ ttl: '1h' })).toBe('hit');
      expect(await call({ noCache: true })).toBe('miss');
      expect(await call({ namespace: 'tenant-b' })).toBe('miss');
      expect(await call({ namespace: 'tenant-b' })).toBe('hit');
      expect(m.generateCalls()).toBe(3);
    });

    it("other providers' options under providerOptions still change the key", async () => {
      const m = wrapped({});
      const call = (providerOptions: Record<string, Record<string, unknown>>) =>
        ai
          .generateText({
            model: m.model,
            prompt: 'mixed options',
            providerOptions: providerOptions as Loose,
          })
          .then((r: Loose) => r.providerMetadata?.[PROVIDER_KEY]?.status);
      expect(await call({ mock: { effort: 'low' }, [PROVIDER_KEY]: { ttl: '1m' } })).toBe('miss');
      expect(await call({ mock: { effort: 'low' } })).toBe('hit');
      expect(await call({ mock: { effort: 'high' } })).toBe('miss');
    });
  });

  describe('EXCLUDED_PARAMS', () => {
    it('lists the call options that never change the answer', () => {
      expect([...EXCLUDED_PARAMS].sort()).toEqual(['abortSignal', 'headers', 'includeRawChunks']);
      expect(Object.isFrozen(EXCLUDED_PARAMS)).toBe(true);
    });

    it('headers and the abort signal do not change the key of generateText; a setting does', async () => {
      const m = wrapped({});
      const status = (extra: Record<string, unknown>) =>
        ai
          .generateText({ model: m.model, prompt: 'excluded params', ...extra })
          .then((r: Loose) => r.providerMetadata?.[PROVIDER_KEY]?.status);
      expect(await status({})).toBe('miss');
      expect(await status({ headers: { 'x-request': '1' } })).toBe('hit');
      expect(await status({ abortSignal: new AbortController().signal })).toBe('hit');
      expect(await status({ headers: { 'x-request': '2' }, abortSignal: new AbortController().signal })).toBe(
        'hit',
      );
      expect(EXCLUDED_PARAMS).not.toContain('temperature');
      expect(await status({ temperature: 0 })).toBe('miss');
      expect(m.generateCalls()).toBe(2);
    });

    it('includeRawChunks: false is keyed as if absent; true bypasses the cache (raw chunks are not stored)', async () => {
      const m = wrapped({});
      const read = async (includeRawChunks?: boolean) => {
        const result = ai.streamText({
          model: m.model,
          prompt: 'raw chunks',
          ...(includeRawChunks === undefined ? {} : { includeRawChunks }),
        });
        let text = '';
        for await (const part of result.fullStream as AsyncIterable<Loose>)
          if (part.type === 'text-delta') text += part.text;
        return { text, status: (await result.providerMetadata)?.[PROVIDER_KEY]?.status };
      };
      const first = await read();
      expect(first.status).toBe('miss');
      expect(await read(false)).toEqual({ text: first.text, status: 'hit' });
      expect(m.streamCalls()).toBe(1);
      expect((await read(true)).status).toBe('bypass');
      expect(m.streamCalls()).toBe(2);
    });
  });
});
