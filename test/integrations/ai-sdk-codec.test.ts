/** The AI SDK provider codec on its own: keys, usage of V2 and V3/V4, stream <-> result conversions. */
import { describe, expect, it } from 'vitest';
import { AIResponseCache, createCallPath } from '../../src/index.js';
import {
  aiSdkCodec,
  assemble,
  keyMaterial,
  replay,
  storeResult,
  usageOf,
} from '../../src/integrations/ai-sdk/codec.js';
import { toJson } from '../../src/integrations/ai-sdk/json.js';
import { textParts, textResult, toolParts, toolResult } from './ai-sdk-fixtures.js';

const model = { provider: 'openai.chat', modelId: 'gpt-4o-mini' };
const prompt = [{ role: 'user', content: [{ type: 'text', text: 'zebramarker' }] }];

describe('ai-sdk codec', () => {
  it('keys hash the prompt: no prompt text, header or per-call option in a key', async () => {
    const ai = new AIResponseCache({});
    const path = createCallPath(aiSdkCodec, { cache: ai });
    const key = async (params: Record<string, unknown>, m = model) =>
      (await path.prepare({ model: m, params: { prompt, ...params } })).key;
    const plain = await key({});
    expect(plain).toBeDefined();
    expect(plain).not.toContain('zebramarker');
    expect(
      await key({
        headers: { authorization: 'Bearer sk-secret' },
        abortSignal: new AbortController().signal,
      }),
    ).toBe(plain);
    expect(await key({ providerOptions: { 'ai-response-cache': { ttl: '1h' } } })).toBe(plain);
    expect(await key({ providerOptions: { openai: { user: 'u' } } })).not.toBe(plain);
    expect(await key({}, { ...model, provider: 'azure.chat' })).not.toBe(plain);
    expect(await key({}, { ...model, modelId: 'gpt-4o' })).not.toBe(plain);
    await ai.close();
  });

  it('key material: every setting but headers, abort signal and raw chunks; binary prompt parts by content', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const material = keyMaterial({
      model,
      params: {
        prompt: [{ role: 'user', content: [{ type: 'file', mediaType: 'image/png', data: bytes }] }],
        headers: { a: 'b' },
        includeRawChunks: false,
        temperature: 0,
        futureSetting: { x: 1 },
      } as never,
    });
    expect(material).toEqual({
      provider: 'openai.chat',
      modelId: 'gpt-4o-mini',
      settings: {
        prompt: [{ role: 'user', content: [{ type: 'file', mediaType: 'image/png', data: 'AQID' }] }],
        temperature: 0,
        futureSetting: { x: 1 },
      },
    });
    expect(aiSdkCodec.bypass?.({ model, params: { prompt, includeRawChunks: true } })).toMatch(/raw/);
  });

  it('usage of V2 (numbers) and V3/V4 ({ total })', () => {
    expect(usageOf({ inputTokens: 10, outputTokens: 20, totalTokens: 31 })).toEqual({
      promptTokens: 10,
      completionTokens: 20,
      totalTokens: 31,
    });
    expect(usageOf({ inputTokens: { total: 10 }, outputTokens: { total: 20 } })).toEqual({
      promptTokens: 10,
      completionTokens: 20,
      totalTokens: 30,
    });
    expect(usageOf(undefined)).toBeUndefined();
  });

  for (const version of ['v2', 'v3'] as const) {
    it(`${version}: a recorded stream assembles into the generate result, and the result replays into that stream's content`, () => {
      const stored = (parts: unknown[]) => parts.map((part) => ({ part: toJson(part) as never }));
      const assembled = assemble(stored(textParts(version)));
      const { providerMetadata: _pm, ...expected } = storeResult(textResult(version));
      expect(assembled).toMatchObject(expected);
      expect(assemble(stored(toolParts(version)))).toMatchObject(storeResult(toolResult(version)));
      // JSON -> stream -> JSON is the identity on what the spec carries.
      const result = storeResult(textResult(version));
      expect(assemble(replay(result))).toEqual(result);
      const tools = storeResult(toolResult(version));
      expect(assemble(replay(tools))).toEqual(tools);
      // Without a finish part (abandoned) or with an error part: no answer.
      expect(assemble(stored(textParts(version).slice(0, -1)))).toBeUndefined();
      expect(
        assemble(
          stored([
            ...textParts(version).slice(0, 4),
            { type: 'error', error: 'x' },
            textParts(version).at(-1),
          ]),
        ),
      ).toBeUndefined();
    });
  }

  it('stores no response headers or request body; file data as base64', () => {
    const stored = storeResult({
      ...textResult('v3'),
      content: [{ type: 'file', mediaType: 'image/png', data: new Uint8Array([255]) }],
      request: { body: 'the whole prompt' },
      response: { id: 'r', headers: { 'set-cookie': 'secret' } },
    });
    expect(stored.request).toBeUndefined();
    expect(stored.response).toEqual({ id: 'r' });
    expect(stored.content).toEqual([{ type: 'file', mediaType: 'image/png', data: '/w==' }]);
  });
});
