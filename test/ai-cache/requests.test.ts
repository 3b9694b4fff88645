import { describe, expect, it } from 'vitest';
import { answerTtlMs, operationIssues, prepareRequest } from '../../src/ai-cache/requests.js';
import { createShared } from '../../src/ai-cache/setup.js';
import { AICacheConfigSchema } from '../../src/config/public.js';
import { ValidationError } from '../../src/errors.js';
import { getHasher } from '../../src/keys/hash.js';

const config = AICacheConfigSchema.parse({ textHashThreshold: 10, maxTextLength: 100 });

describe('operationIssues', () => {
  it('accepts a key-safe name and lists the problem of any other', () => {
    expect(operationIssues('chat')).toEqual([]);
    expect(operationIssues(' ')).toEqual([{ path: 'operation', message: 'must be a non-empty string' }]);
    expect(operationIssues(42)).toHaveLength(1);
    expect(operationIssues('a:b')[0]?.path).toBe('operation');
  });
});

describe('prepareRequest', () => {
  it('keeps a short text verbatim, hashes a long one and the options, and sizes the request', async () => {
    const hasher = await getHasher('sha256');
    const short = prepareRequest(config, hasher, { text: 'hi', operation: 'chat' }, 'prepare');
    expect(short.parts[0]).toBe('t=hi');
    expect(short.parts[1]).toBe(`o=${hasher.hash('{}')}`);
    const long = prepareRequest(
      config,
      hasher,
      { text: 'x'.repeat(50), operation: 'chat', question: 'q' },
      'p',
    );
    expect(long.parts).toEqual([
      `h=${hasher.hash('x'.repeat(50))}`,
      `o=${hasher.hash('{}')}`,
      `q=${hasher.hash('q')}`,
    ]);
    expect(short.tier).toBe('small');
  });

  it("throws one ValidationError listing every problem, with the caller's own, naming the call", async () => {
    const hasher = await getHasher('sha256');
    const bad = { text: 'x'.repeat(101), operation: '', options: [] as never, question: 3 as never };
    let error: unknown;
    try {
      prepareRequest(config, hasher, bad, 'cacheResponse', [{ path: 'response', message: 'missing' }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/^Invalid cacheResponse\(\) call/);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      'operation',
      'text',
      'question',
      'options',
      'response',
    ]);
  });
});

describe('answerTtlMs', () => {
  it('takes the per-call ttl, then ttlResolver, then operationTtls, then defaultTtl', async () => {
    const shared = createShared({
      defaultTtl: '1h',
      operationTtls: { summarize: '2h' },
      ttlResolver: ({ operation }) => (operation === 'dyn' ? '3h' : undefined),
    });
    const request = { text: 't', operation: 'summarize' };
    expect(answerTtlMs(shared, { ...request, ttl: '5m' }, 'small')).toBe(300_000);
    expect(answerTtlMs(shared, { ...request, ttl: () => undefined }, 'small')).toBe(7_200_000);
    expect(answerTtlMs(shared, { text: 't', operation: 'dyn' }, 'small')).toBe(10_800_000);
    expect(answerTtlMs(shared, { text: 't', operation: 'chat' }, 'small')).toBe(3_600_000);
    expect(() => answerTtlMs(shared, { ...request, ttl: -1 }, 'small')).toThrow(ValidationError);
    await shared.root.close();
  });
});
