import { afterAll, expect, it } from 'vitest';
import { AIResponseCache, createCallPath, type ProviderCodec } from '../../../src/index.js';
import { describeRedis, uniqueCachePrefix } from '../../helpers/redis.js';

type Chunk = { delta?: string; done?: boolean };
const codec: ProviderCodec<{ prompt: string }, { text: string }, Chunk> = {
  name: 'toy',
  keyMaterial: (req) => req.prompt,
  assemble: (chunks) =>
    chunks.some((c) => c.done) ? { text: chunks.map((c) => c.delta ?? '').join('') } : undefined,
  replay: (answer) => [{ delta: answer.text }, { done: true }],
};

describeRedis('the call path across processes on a real Redis', (url) => {
  const opened: AIResponseCache[] = [];
  afterAll(() => Promise.all(opened.map((ai) => ai.close())));
  const open = (prefix: string) => {
    const ai = new AIResponseCache({ redisUrl: url, prefix, l1: false });
    opened.push(ai);
    return ai;
  };

  it('20 concurrent identical calls over 3 caches (as 3 processes) make one upstream call; stream callers included', async () => {
    const prefix = uniqueCachePrefix('callpath');
    const paths = [open(prefix), open(prefix), open(prefix)].map((ai) =>
      createCallPath(codec, { cache: ai }),
    );
    await Promise.all(opened.map((ai) => ai.connect()));
    let calls = 0;
    const producer = {
      json: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 50));
        return { value: { text: 'shared answer' } };
      },
      stream: async () => {
        calls++;
        async function* gen() {
          await new Promise((r) => setTimeout(r, 50));
          yield { delta: 'shared answer' };
          yield { done: true };
        }
        return { value: gen() };
      },
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const path = paths[i % 3] as (typeof paths)[number];
        const result = await path.resolve(await path.prepare({ prompt: 'one question' }), producer, {
          stream: i % 4 === 0,
        });
        if (!result.stream) return result.answer?.text;
        let text = '';
        for await (const chunk of result.stream) text += chunk.delta ?? '';
        return text;
      }),
    );
    expect(calls).toBe(1);
    expect(new Set(results)).toEqual(new Set(['shared answer']));
  });
});
