/**
 * The README's Anthropic example, runnable: `withCache(new Anthropic())`, a JSON miss, then a
 * streamed hit replayed through the SDK's own `MessageStream`. Talks to the real API when
 * `ANTHROPIC_API_KEY` is set (model `ANTHROPIC_MODEL`, default claude-sonnet-4-5), to the local
 * mock server otherwise; uses Redis when `REDIS_URL` is set.
 *
 *   npx tsx examples/mock-anthropic/example.ts
 */
import Anthropic from '@anthropic-ai/sdk';
import { AIResponseCache } from '../../src/index.js';
import { cacheStatus, withCache } from '../../src/integrations/anthropic/index.js';
import { startMockAnthropic } from './server.js';

export async function runAnthropicExample(log: (line: string) => void = console.log): Promise<void> {
  const real = Boolean(process.env.ANTHROPIC_API_KEY);
  const mock = real ? undefined : await startMockAnthropic();
  const ai = new AIResponseCache(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {});
  try {
    const client = mock ? new Anthropic({ baseURL: mock.url, apiKey: 'mock' }) : new Anthropic();
    const anthropic = withCache(client, { cache: ai, lock: { ttl: '30s', wait: '10s' } });
    const params = {
      model: process.env.ANTHROPIC_MODEL ?? 'claude-sonnet-4-5',
      max_tokens: 1024,
      temperature: 0,
      messages: [{ role: 'user' as const, content: 'What is a write-through cache? One sentence.' }],
    };
    const message = await anthropic.messages.create(params, { cache: { forceRefresh: true } });
    log(`create: ${cacheStatus(message)} (${message.usage.output_tokens} output tokens)`);
    const stream = anthropic.messages.stream(params);
    let streamed = '';
    stream.on('text', (delta) => {
      streamed += delta;
    });
    const final = await stream.finalMessage();
    const same = JSON.stringify(final.content) === JSON.stringify(message.content);
    log(`stream: ${cacheStatus(stream)}, same message: ${same}, ${streamed.length} characters streamed`);
    log(`upstream calls: ${mock ? mock.calls.total : 'see your console'}`);
  } finally {
    await ai.close();
    await mock?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runAnthropicExample();
