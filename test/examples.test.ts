import { describe, expect, it } from 'vitest';
import { runAiCacheBasics } from '../examples/ai-cache-basics.js';
import { runFetchClientExample } from '../examples/fetch-client.js';
import { runGenericCacheExample } from '../examples/generic-cache.js';

describe('examples run', () => {
  it('ai-cache-basics: the second call is a cache hit and invalidation works', async () => {
    const lines: string[] = [];
    await runAiCacheBasics((l) => lines.push(l));
    expect(lines[0]).toMatch(/from model/);
    expect(lines[1]).toMatch(/from cache/);
    expect(lines.join('\n')).toMatch(/after invalidateOperation\('summarize'\): miss/);
  });

  it('generic-cache: 50 concurrent getOrSet make one producer call', async () => {
    const lines: string[] = [];
    await runGenericCacheExample((l) => lines.push(l));
    expect(lines[0]).toMatch(/-> 1 producer call/);
  });

  it('fetch-client: a plain fetch client cached through the public call path', async () => {
    const lines: string[] = [];
    await runFetchClientExample((l) => lines.push(l));
    expect(lines[0]).toBe(
      '5 concurrent identical calls -> 1 upstream call (miss, coalesced, coalesced, coalesced, coalesced)',
    );
    expect(lines[1]).toBe('then: hit, upstream calls in all: 1');
  });
});
