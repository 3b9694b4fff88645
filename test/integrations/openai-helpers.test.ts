import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import { AIResponseCache } from '../../src/index.js';
import { type CachedOpenAI, cacheStatus, withCache } from '../../src/integrations/openai/index.js';

/** openai's helpers (`parse`, `stream`, `runTools`) go through the cache like `create`. */
describe('withCache(openai): the SDK helpers', () => {
  let server: MockOpenAI;
  let ai: AIResponseCache;
  let openai: CachedOpenAI<OpenAI>;
  beforeAll(async () => {
    server = await startMockOpenAI({ latencyMs: 0 });
    ai = new AIResponseCache();
    openai = withCache(new OpenAI({ baseURL: server.url, apiKey: 'sk-test', maxRetries: 0 }), { cache: ai });
  });
  afterAll(async () => {
    await ai.close();
    await server.close();
  });
  const messages = (text: string) => [{ role: 'user' as const, content: text }];
  const schema = {
    type: 'json_schema' as const,
    json_schema: {
      name: 'answer',
      strict: true,
      schema: {
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      },
    },
  };

  it('chat.completions.parse(): the second identical call is a hit with the same parsed answer', async () => {
    server.resetCalls();
    const body = { model: 'gpt-4o-mini', messages: messages('parse me'), response_format: schema };
    const first = await openai.chat.completions.parse(body);
    const second = await openai.chat.completions.parse(body);
    expect(server.calls.total).toBe(1);
    expect(cacheStatus(second)).toBe('hit');
    expect(second.choices[0]?.message.parsed).toEqual(first.choices[0]?.message.parsed);
    expect(typeof (second.choices[0]?.message.parsed as { city?: unknown } | null)?.city).toBe('string');
  });

  it('chat.completions.stream(): a hit accumulates to the same final completion', async () => {
    server.resetCalls();
    const body = { model: 'gpt-4o-mini', messages: messages('stream me') };
    const first = await openai.chat.completions.stream(body).finalChatCompletion();
    const second = await openai.chat.completions.stream(body).finalChatCompletion();
    expect(server.calls.total).toBe(1);
    expect(second).toEqual(first);
    // And the JSON `create` of the same request is answered from the same entry.
    const json = await openai.chat.completions.create(body);
    expect(cacheStatus(json)).toBe('hit');
    expect(json.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
    expect(server.calls.total).toBe(1);
  });

  it('chat.completions.runTools(): a second identical run makes no upstream call', async () => {
    server.resetCalls();
    const run = () =>
      openai.chat.completions
        .runTools({
          model: 'gpt-4o-mini',
          messages: messages('[[tool]] what is the weather'),
          tools: [
            {
              type: 'function',
              function: {
                name: 'weather',
                parameters: { type: 'object', properties: { city: { type: 'string' } } },
                function: (args: unknown) => ({ sunny: true, args }),
                parse: JSON.parse,
              },
            },
          ],
          max_tokens: 50,
        } as never)
        .finalContent();
    const first = await run();
    const upstream = server.calls.total;
    expect(upstream).toBeGreaterThan(0);
    const second = await run();
    expect(second).toEqual(first);
    expect(server.calls.total).toBe(upstream);
  });

  it('responses.parse() and responses.stream(): hits after the first call', async () => {
    server.resetCalls();
    const body = { model: 'gpt-4o-mini', input: 'respond please' };
    const first = await openai.responses.parse(body);
    const second = await openai.responses.parse(body);
    expect(cacheStatus(second)).toBe('hit');
    expect(second.output_text).toBe(first.output_text);
    const streamed = await openai.responses.stream(body).finalResponse();
    expect(streamed.output_text).toBe(first.output_text);
    expect(server.calls.total).toBe(1);
  });
});
