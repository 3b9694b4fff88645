/**
 * `instrumentCache` under the openai wrapper: LLM calls through `withCache(openai)` against the
 * local OpenAI-compatible server leave `ai_response_cache.lookup` / `.store` spans with the
 * `gen_ai.*` attributes, and never the prompt text. Depends on the wrapper answering through
 * `ai.lookupResponse` / `ai.cacheResponse`.
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { AIResponseCache } from '../../src/index.js';
import { withCache } from '../../src/integrations/openai/index.js';
import { instrumentCache } from '../../src/integrations/otel/index.js';

let server: MockOpenAI;
let ai: AIResponseCache;

beforeEach(async () => {
  server = await startMockOpenAI({ latencyMs: { firstTokenMs: 2, perChunkMs: 0, responseMs: 3 } });
});

afterEach(async () => {
  await server.close();
  await ai?.close();
});

it('an LLM call miss, then hit: lookup and store spans with gen_ai attributes', async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  ai = new AIResponseCache();
  const dispose = instrumentCache(ai, {
    tracer: provider.getTracer('test'),
    metrics: false,
    system: 'openai',
  });
  const client = new OpenAI({ baseURL: server.url, apiKey: 'sk-test-secret', maxRetries: 0 });
  const openai = withCache(client, { cache: ai });
  const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'A private question' }] };

  const first = await openai.chat.completions.create(ask);
  const second = await openai.chat.completions.create(ask);
  expect(second).toEqual(first);
  expect(server.calls.total).toBe(1);

  const spans = exporter.getFinishedSpans();
  const lookups = spans.filter((s) => s.name === 'ai_response_cache.lookup');
  expect(lookups.map((s) => s.attributes['cache.status'])).toEqual(['miss', 'hit']);
  const store = spans.find((s) => s.name === 'ai_response_cache.store');
  expect(store?.attributes).toMatchObject({
    'gen_ai.system': 'openai',
    'gen_ai.response.model': first.model,
    'gen_ai.usage.input_tokens': first.usage?.prompt_tokens,
    'gen_ai.usage.output_tokens': first.usage?.completion_tokens,
    'ai_response_cache.operation': 'chat',
  });
  // the hit reports what it saved: the stored call's usage
  expect(lookups[1]?.attributes['gen_ai.usage.input_tokens']).toBe(first.usage?.prompt_tokens);
  expect(JSON.stringify(spans.map((s) => [s.name, s.attributes]))).not.toContain('private');
  expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('sk-test');
  dispose();
  await provider.shutdown();
});
