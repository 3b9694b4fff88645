/**
 * AIResponseCache around any model call: cacheResponse / getResponse, per-operation TTLs,
 * hashed keys for long texts, compression, invalidation and stats. Uses Redis when REDIS_URL
 * is set, the embedded memory tier otherwise. No API key needed: the "model" is a stand-in.
 *
 *   npx tsx examples/ai-cache-basics.ts
 */
import { AIResponseCache } from '../src/index.js';

/** A stand-in for a real model call (300 ms, usage reported like an LLM API would). */
async function summarizeWithModel(text: string, maxLength: number) {
  await new Promise((r) => setTimeout(r, 300));
  const summary = `${text
    .split(/\s+/)
    .slice(0, Math.max(5, maxLength / 10))
    .join(' ')}...`;
  return { summary, usage: { promptTokens: Math.ceil(text.length / 4), completionTokens: 40 } };
}

export async function runAiCacheBasics(log: (line: string) => void = console.log): Promise<void> {
  const ai = new AIResponseCache({
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    prefix: 'ai-basics',
    defaultTtl: '1h',
    operationTtls: { summarize: '2h', sentiment: '1h' },
    textHashThreshold: 1000,
    compressionThreshold: 1000,
    l1: { maxEntries: 100, maxBytes: 16 * 1024 * 1024 },
    prices: { 'stand-in-model': { input: 0.15, output: 0.6 } },
  });
  ai.on('degraded', (e) => log(`Redis unavailable (${e.error?.message}); serving from memory`));
  await ai.connect();

  const article = 'Caching LLM responses saves money and time. '.repeat(60); // > textHashThreshold: hashed key
  const request = {
    text: article,
    operation: 'summarize',
    options: { max_length: 100, model: 'stand-in-model' },
  };

  async function summarize() {
    const started = performance.now();
    const cached = await ai.getResponse<{ summary: string }>(request);
    if (cached) return { ...cached, source: 'cache', ms: performance.now() - started };
    const { summary, usage } = await summarizeWithModel(article, 100);
    const latencyMs = performance.now() - started;
    await ai.cacheResponse({
      ...request,
      response: { summary },
      meta: { model: 'stand-in-model', usage, latencyMs },
    });
    return { summary, source: 'model', ms: latencyMs };
  }

  for (let i = 0; i < 3; i++) {
    const r = await summarize();
    log(`summarize #${i + 1}: from ${r.source} in ${r.ms.toFixed(2)} ms`);
  }
  log(`key (long text is hashed): ${await ai.keyFor(request)}`);
  log(
    `TTL of summarize: ${ai.ttlFor(request) / 3_600_000} h, of sentiment: ${ai.ttlFor({ ...request, operation: 'sentiment' }) / 3_600_000} h`,
  );

  await ai.cacheResponse({
    text: 'I love this product!',
    operation: 'sentiment',
    response: { label: 'positive', score: 0.97 },
  });
  log(
    `sentiment: ${JSON.stringify(await ai.getResponse({ text: 'I love this product!', operation: 'sentiment' }))}`,
  );

  await ai.invalidateOperation('summarize');
  log(
    `after invalidateOperation('summarize'): ${(await ai.getResponse(request)) === undefined ? 'miss' : 'hit'}`,
  );

  const s = ai.stats();
  log(
    `stats: ${s.hits} hits / ${s.misses} misses (L1 ${s.l1Hits}, L2 ${s.l2Hits}); compression ratio ${s.compression.ratio.toFixed(2)}; ` +
      `saved ${s.savings.tokens.total} tokens, ${s.savings.latencyMs.toFixed(0)} ms, $${s.savings.costUsd.toFixed(6)}`,
  );
  await ai.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runAiCacheBasics();
}
