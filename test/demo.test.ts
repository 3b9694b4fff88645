/**
 * The demo (`npm run demo`) on a small workload against the mock server with tiny latency.
 */
import { describe, expect, it } from 'vitest';
import { runDemo } from '../examples/demo.js';
import { describeRedis } from './helpers/redis.js';

describe('demo', () => {
  it('runs the workload and prints the table', async () => {
    const lines: string[] = [];
    const result = await runDemo({ requests: 60, latencyMs: 1, paceMs: 0, out: (line) => lines.push(line) });
    expect(result.requests).toBeGreaterThanOrEqual(60);
    expect(result.upstreamCalls).toBeGreaterThan(0);
    expect(result.upstreamCalls).toBeLessThan(result.requests);
    expect(result.rows.map((r) => r.operation)).toEqual(['summarize', 'sentiment', 'embeddings', 'total']);
    const text = lines.join('\n');
    for (const heading of ['operation', 'requests', 'upstream', 'hit ratio', 'hit p50/p95', 'miss p50/p95']) {
      expect(text).toContain(heading);
    }
    for (const row of ['summarize', 'sentiment', 'embeddings', 'total']) {
      expect(lines.some((line) => line.startsWith(row))).toBe(true);
    }
    expect(text).toMatch(/tokens saved: +\d+/);
    expect(text).toMatch(/dollars saved: +\$\d+\.\d+/);
    expect(text).toContain('progress: ');
    expect(result.savings.tokens.total).toBeGreaterThan(0);
    expect(result.savings.costUsd).toBeGreaterThan(0);
    expect(result.store).toBe('memory');
    expect(lines[0]).toContain('cached in the embedded memory tier');
  });

  it('with Redis unreachable, says it fell back to memory (never "cached in Redis")', async () => {
    const lines: string[] = [];
    const result = await runDemo({
      requests: 20,
      latencyMs: 1,
      paceMs: 0,
      redisUrl: 'redis://127.0.0.1:1',
      out: (line) => lines.push(line),
    });
    expect(result.store).toBe('memory-fallback');
    const text = lines.join('\n');
    expect(text).not.toContain('cached in Redis');
    expect(lines[0]).toContain('fell back to its in-process memory tier');
    expect(result.upstreamCalls).toBeLessThan(result.requests);
  });
});

describeRedis('demo on a real Redis', (url) => {
  it('says "cached in Redis" when it really used Redis', async () => {
    const lines: string[] = [];
    const result = await runDemo({
      requests: 20,
      latencyMs: 1,
      paceMs: 0,
      redisUrl: url,
      out: (l) => lines.push(l),
    });
    expect(result.store).toBe('redis');
    expect(lines[0]).toContain('cached in Redis');
  });
});
