/**
 * TTL bounds: every TTL is a finite positive duration of at most MAX_TTL_MS, checked at the call
 * before anything is written, with a message that says what was given.
 */
import { describe, expect, it } from 'vitest';
import { TtlSchema } from '../../src/config/public.js';
import {
  AIResponseCache,
  createCache,
  MAX_TTL_MS,
  MemoryBackend,
  parseTtl,
  tryParseTtl,
  ValidationError,
} from '../../src/index.js';

function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

async function rejected(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

/** A backend that counts writes, to prove nothing was written. */
function countingBackend() {
  const backend = new MemoryBackend();
  let writes = 0;
  const set = backend.set.bind(backend);
  backend.set = async (key, value, ttlMs) => {
    writes++;
    await set(key, value, ttlMs);
  };
  return { backend, writes: () => writes };
}

describe('parseTtl bounds', () => {
  it('is 10 years of 365 days', () => {
    expect(MAX_TTL_MS).toBe(315_360_000_000);
    expect(parseTtl(MAX_TTL_MS)).toBe(MAX_TTL_MS);
    expect(parseTtl('520w')).toBe(520 * 7 * 86_400_000);
    expect(parseTtl('3650d')).toBe(MAX_TTL_MS);
  });

  it.each([
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [-5, '-5'],
    [0, '0'],
    [1e20, '100000000000000000000'],
    [1e21, '1e+21'],
    [MAX_TTL_MS + 1, String(MAX_TTL_MS + 1)],
    ['3651d', '"3651d"'],
    ['1e20', '"1e20"'],
    ['99999999999999999999ms', '"99999999999999999999ms"'],
  ])('rejects %s and says so', (ttl, shown) => {
    const error = validationError(() => parseTtl(ttl, 'ttl'));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe('ttl');
    expect(error.issues[0]?.message).toContain(shown);
    expect(error.message).toContain(shown);
    expect(tryParseTtl(ttl)).toBeUndefined();
  });

  it('names the maximum when the value is too large', () => {
    expect(validationError(() => parseTtl(1e20)).issues[0]?.message).toMatch(
      /above the maximum of 315360000000 ms \(10 years\)/,
    );
  });

  it('TtlSchema applies the same bounds with the same messages', () => {
    expect(TtlSchema.safeParse(MAX_TTL_MS).success).toBe(true);
    for (const [ttl, shown] of [
      [1e20, '100000000000000000000'],
      [Number.NaN, 'NaN'],
      [-1, '-1'],
      ['3651d', '3651d'],
    ] as const) {
      const result = TtlSchema.safeParse(ttl);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toContain(shown);
    }
  });
});

describe('Cache: bad TTLs are refused before anything is written', () => {
  it.each([1e20, Number.NaN, Number.POSITIVE_INFINITY, -1, '3651d'])('set(..., { ttl: %s })', async (ttl) => {
    const { backend, writes } = countingBackend();
    const cache = createCache({ backend });
    await rejected(cache.set('k', 'v', { ttl }));
    expect(writes()).toBe(0);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('a grace window above the maximum is refused too', async () => {
    const { backend, writes } = countingBackend();
    const cache = createCache({ backend });
    await rejected(cache.set('k', 'v', { ttl: '1h', grace: 1e20 }));
    expect(writes()).toBe(0);
  });

  it('getOrSet with a bad ttl throws without calling the producer', async () => {
    const { backend, writes } = countingBackend();
    const cache = createCache({ backend });
    let calls = 0;
    await rejected(cache.getOrSet('k', () => ++calls, { ttl: 1e20 }));
    await rejected(cache.getOrSet('k', () => ++calls, { grace: Number.NaN }));
    expect(calls).toBe(0);
    expect(writes()).toBe(0);
  });

  it('a ttl function returning a bad TTL is a ValidationError and nothing is stored', async () => {
    const { backend, writes } = countingBackend();
    const cache = createCache({ backend });
    await rejected(cache.getOrSet('k', () => 1, { ttl: () => 1e20 }));
    expect(writes()).toBe(0);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('wrap and wrapIterator refuse a bad ttl or grace when the function is wrapped', () => {
    const cache = createCache();
    expect(() => cache.wrap(async (x: number) => x, { name: 'f', ttl: 1e20 })).toThrow(ValidationError);
    expect(() => cache.wrap(async (x: number) => x, { name: 'f', grace: Number.NaN })).toThrow(
      ValidationError,
    );
    async function* gen() {
      yield 1;
    }
    expect(() => cache.wrapIterator(gen, { ttl: Number.POSITIVE_INFINITY })).toThrow(ValidationError);
  });

  it('cache options are checked at creation', () => {
    const error = validationError(() => createCache({ ttl: 1e20 }));
    expect(error.message).toContain('100000000000000000000');
    expect(() => createCache({ l1: { ttl: Number.POSITIVE_INFINITY } })).toThrow(ValidationError);
    expect(() => createCache({ tagStampTtl: '3651d' })).toThrow(ValidationError);
  });
});

describe('AIResponseCache: bad TTLs from every source', () => {
  const args = { text: 't', operation: 'summarize', response: 'r' };

  it('defaultTtl and operationTtls are checked at construction, naming the field and the value', () => {
    const d = validationError(() => new AIResponseCache({ defaultTtl: 1e20 }));
    expect(d.issues.map((i) => i.path)).toContain('defaultTtl');
    expect(d.message).toContain('100000000000000000000');
    const o = validationError(() => new AIResponseCache({ operationTtls: { qa: Number.NaN, chat: -3 } }));
    expect(o.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['operationTtls.qa', 'operationTtls.chat']),
    );
    expect(o.message).toContain('NaN');
    expect(o.message).toContain('-3');
  });

  it.each([1e20, Number.NaN, Number.POSITIVE_INFINITY, -1])('per-call ttl %s', async (ttl) => {
    const { backend, writes } = countingBackend();
    const ai = new AIResponseCache({ backend });
    const error = await rejected(ai.cacheResponse({ ...args, ttl }));
    expect(error.message).toContain(String(ttl));
    expect(writes()).toBe(0);
    expect(await ai.getResponse(args)).toBeUndefined();
  });

  it('a per-call ttl function or ttlResolver returning a bad TTL is a ValidationError naming its source', async () => {
    const { backend, writes } = countingBackend();
    const ai = new AIResponseCache({ backend, ttlResolver: () => Number.POSITIVE_INFINITY });
    const fromResolver = await rejected(ai.cacheResponse(args));
    expect(fromResolver.issues[0]?.path).toMatch(/^ttlResolver/);
    expect(fromResolver.message).toContain('Infinity');
    const fromFunction = await rejected(ai.cacheResponse({ ...args, ttl: () => 1e20 }));
    expect(fromFunction.issues[0]?.path).toMatch(/ttl function/);
    expect(writes()).toBe(0);
    expect(() => ai.ttlFor(args)).toThrow(ValidationError);
  });

  it('a resolver returning undefined falls through to operationTtls / defaultTtl', () => {
    const ai = new AIResponseCache({
      ttlResolver: () => undefined,
      defaultTtl: '2h',
      operationTtls: { qa: '5m' },
    });
    expect(ai.ttlFor({ text: 't', operation: 'qa' })).toBe(300_000);
    expect(ai.ttlFor({ text: 't', operation: 'other' })).toBe(7_200_000);
  });
});

describe('withCache(openai): bad TTLs are refused when wrapping and per call', () => {
  it('the ttl option and the per-call cache.ttl', async () => {
    const { withCache } = await import('../../src/integrations/openai/index.js');
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ baseURL: 'http://127.0.0.1:1/v1', apiKey: 'sk-x', maxRetries: 0 });
    const ai = new AIResponseCache();
    const error = validationError(() => withCache(client, { cache: ai, ttl: 1e20 }));
    expect(error.issues[0]).toMatchObject({ path: 'ttl' });
    expect(error.message).toContain('100000000000000000000');
    const wrapped = withCache(client, { cache: ai });
    const perCall = await rejected(
      wrapped.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, {
        cache: { ttl: Number.NaN },
      } as never),
    );
    expect(perCall.message).toContain('NaN');
    await ai.close();
  });
});
