/**
 * `CachedEmbeddings` over LangChain's own fake embeddings (`SyntheticEmbeddings`,
 * `FakeEmbeddings`), on memory and on the shared real redis-server: each input is cached on its
 * own, partial hits send only the misses (counted per call of the wrapped embeddings), and
 * concurrent overlapping batches send shared inputs once (the call path's per-input
 * single-flight); two caches on one Redis share stored vectors.
 */
import { Embeddings } from '@langchain/core/embeddings';
import { FakeEmbeddings, SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AIResponseCache, type AIResponseCacheOptions, ValidationError } from '../../src/index.js';
import { CachedEmbeddings, modelIdentity } from '../../src/integrations/langchain/index.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';

const caches: AIResponseCache[] = [];
afterAll(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});

function cacheOn(options: AIResponseCacheOptions): AIResponseCache {
  const ai = new AIResponseCache(options);
  caches.push(ai);
  return ai;
}

/**
 * LangChain's SyntheticEmbeddings, recording which texts reach it in each call. `hold` keeps the
 * first call in flight until `release()` (so that another call overlaps it deterministically);
 * `onBatch` runs as each call arrives.
 */
class Recording extends SyntheticEmbeddings {
  readonly batches: string[][] = [];
  readonly queries: string[] = [];
  fail: Error | undefined;
  onBatch: ((texts: string[]) => void) | undefined;
  #held: Promise<void> | undefined;
  release: () => void = () => undefined;
  constructor(hold = false) {
    super({ vectorSize: 4 });
    if (hold) this.#held = new Promise((resolve) => (this.release = resolve));
  }
  override async embedDocuments(documents: string[]): Promise<number[][]> {
    this.batches.push([...documents]);
    this.onBatch?.(documents);
    if (this.batches.length === 1 && this.#held) await this.#held;
    if (this.fail) throw this.fail;
    return Promise.all(documents.map((text) => super.embedQuery(text)));
  }
  override async embedQuery(document: string): Promise<number[]> {
    this.queries.push(document);
    return super.embedQuery(document);
  }
}

const synthetic = new SyntheticEmbeddings({ vectorSize: 4 });
const expected = (texts: string[]) => Promise.all(texts.map((t) => synthetic.embedQuery(t)));

function suite(label: string, makeCache: (prefix: string) => AIResponseCache): void {
  it(`${label}: a partial hit sends only the missing inputs, in order`, async () => {
    const inner = new Recording();
    const embeddings = new CachedEmbeddings(inner, makeCache(uniqueCachePrefix('lce')), {
      modelId: 'synthetic-4',
    });
    expect(await embeddings.embedDocuments(['red', 'green'])).toEqual(await expected(['red', 'green']));
    expect(embeddings.lastStatuses).toEqual(['miss', 'miss']);
    const texts = ['green', 'blue', 'red', 'violet'];
    expect(await embeddings.embedDocuments(texts)).toEqual(await expected(texts));
    expect(embeddings.lastStatuses).toEqual(['hit', 'miss', 'hit', 'miss']);
    expect(await embeddings.embedDocuments(['violet', 'red'])).toEqual(await expected(['violet', 'red']));
    expect(inner.batches).toEqual([
      ['red', 'green'],
      ['blue', 'violet'],
    ]);
  });

  it(`${label}: embedQuery is cached, apart from documents`, async () => {
    const inner = new Recording();
    const embeddings = new CachedEmbeddings(inner, makeCache(uniqueCachePrefix('lce')), {
      modelId: 'synthetic-4',
    });
    await embeddings.embedDocuments(['red']);
    expect(await embeddings.embedQuery('red')).toEqual((await expected(['red']))[0]);
    expect(await embeddings.embedQuery('red')).toEqual((await expected(['red']))[0]);
    expect(embeddings.lastStatuses).toEqual(['hit']);
    expect(inner.queries).toEqual(['red']);
  });

  it(`${label}: concurrent overlapping batches send shared inputs once`, async () => {
    const inner = new Recording(true);
    const ai = makeCache(uniqueCachePrefix('lce'));
    const embeddings = new CachedEmbeddings(inner, ai, { modelId: 'synthetic-4' });
    // The second batch starts while the first is at the wrapped embeddings (its inputs in
    // flight); the first returns once the second has looked its 3 inputs up (6 lookups in all)
    // and so has seen the first's inputs in flight.
    const lookup = ai.lookupPrepared.bind(ai);
    let lookups = 0;
    vi.spyOn(ai, 'lookupPrepared').mockImplementation(async (...args) => {
      const found = await lookup(...args);
      if (++lookups === 6) setImmediate(() => inner.release());
      return found;
    });
    let second: Promise<number[][]> | undefined;
    inner.onBatch = () => {
      if (inner.batches.length === 1) second = embeddings.embedDocuments(['c d', 'e f', 'g h']);
    };
    const one = await embeddings.embedDocuments(['a b', 'c d', 'e f']);
    const two = await second;
    expect(one).toEqual(await expected(['a b', 'c d', 'e f']));
    expect(two).toEqual(await expected(['c d', 'e f', 'g h']));
    expect(inner.batches).toEqual([['a b', 'c d', 'e f'], ['g h']]);
    expect(embeddings.lastStatuses).toEqual(['coalesced', 'coalesced', 'miss']);
  });

  it(`${label}: an input given twice is sent once; callers get their own arrays`, async () => {
    const inner = new Recording();
    const embeddings = new CachedEmbeddings(inner, makeCache(uniqueCachePrefix('lce')), {
      modelId: 'synthetic-4',
    });
    const [x, y] = await embeddings.embedDocuments(['same', 'same']);
    expect(inner.batches).toEqual([['same']]);
    expect(x).toEqual(y);
    x?.fill(0);
    expect((await embeddings.embedDocuments(['same']))[0]).toEqual((await expected(['same']))[0]);
  });

  it(`${label}: an upstream error propagates unchanged and nothing is stored`, async () => {
    const inner = new Recording();
    const embeddings = new CachedEmbeddings(inner, makeCache(uniqueCachePrefix('lce')), {
      modelId: 'synthetic-4',
    });
    const failure = new Error('rate limited');
    inner.fail = failure;
    await expect(embeddings.embedDocuments(['red'])).rejects.toBe(failure);
    inner.fail = undefined;
    expect(await embeddings.embedDocuments(['red'])).toEqual(await expected(['red']));
    expect(inner.batches).toEqual([['red'], ['red']]);
  });
}

describe('CachedEmbeddings over memory', () => {
  suite('memory', (prefix) => cacheOn({ prefix }));
});

describeRedis('CachedEmbeddings over Redis', (url) => {
  suite('redis', (prefix) => cacheOn({ redisUrl: url, prefix }));

  it('two caches (as two processes) share vectors through Redis', async () => {
    const prefix = uniqueCachePrefix('lce');
    const first = new Recording();
    const a = new CachedEmbeddings(first, cacheOn({ redisUrl: url, prefix }), { modelId: 'synthetic-4' });
    await a.embedDocuments(['one two', 'three']);
    const second = new Recording();
    const b = new CachedEmbeddings(second, cacheOn({ redisUrl: url, prefix }), { modelId: 'synthetic-4' });
    expect(await b.embedDocuments(['three', 'four five', 'one two'])).toEqual(
      await expected(['three', 'four five', 'one two']),
    );
    expect(b.lastStatuses).toEqual(['hit', 'miss', 'hit']);
    expect(second.batches).toEqual([['four five']]);
  });

  it('no input text is in a key name', async () => {
    const prefix = uniqueCachePrefix('lce');
    const secret = 'patient record 4711';
    const embeddings = new CachedEmbeddings(new Recording(), cacheOn({ redisUrl: url, prefix }), {
      modelId: 'synthetic-4',
    });
    await embeddings.embedDocuments([secret]);
    await embeddings.embedQuery(secret);
    const redis = new Redis(url);
    try {
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      for (const key of keys) expect(key).not.toContain('4711');
    } finally {
      redis.disconnect();
    }
  });
});

describe('CachedEmbeddings: model identity and options', () => {
  class Named extends Embeddings {
    constructor(
      readonly model: string,
      readonly dimensions?: number,
    ) {
      super({});
    }
    override embedDocuments(documents: string[]) {
      return Promise.resolve(documents.map(() => [this.model.length, this.dimensions ?? 0]));
    }
    override embedQuery() {
      return Promise.resolve([this.model.length, this.dimensions ?? 0]);
    }
  }

  it('reads the model from the wrapped embeddings (class, model, dimensions)', () => {
    expect(modelIdentity(new Named('text-embedding-3-small', 256))).toBe('Named:text-embedding-3-small:256');
    expect(modelIdentity(new FakeEmbeddings())).toBeUndefined();
    const ai = cacheOn({ prefix: uniqueCachePrefix('lce') });
    expect(new CachedEmbeddings(new Named('m1'), ai).modelId).toBe('Named:m1');
  });

  it('requires modelId when the wrapped embeddings has no model name, and lists every problem', () => {
    const ai = cacheOn({ prefix: uniqueCachePrefix('lce') });
    expect(() => new CachedEmbeddings(new FakeEmbeddings(), ai)).toThrow(
      /modelId: is required: FakeEmbeddings/,
    );
    let error: unknown;
    try {
      new CachedEmbeddings(new FakeEmbeddings(), ai, {
        modelId: '',
        operation: 'x:y',
        namespace: 'a b',
        ttl: -1,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual([
      'modelId',
      'namespace',
      'operation',
      'ttl',
    ]);
  });

  it('different models and namespaces never share a vector', async () => {
    const ai = cacheOn({ prefix: uniqueCachePrefix('lce') });
    const small = new CachedEmbeddings(new Named('small'), ai);
    const large = new CachedEmbeddings(new Named('large-model'), ai);
    expect(await small.embedQuery('x')).toEqual([5, 0]);
    expect(await large.embedQuery('x')).toEqual([11, 0]);
    const inner = new Recording();
    const a = new CachedEmbeddings(inner, ai, { modelId: 's', namespace: 'tenant-a' });
    const b = new CachedEmbeddings(inner, ai, { modelId: 's', namespace: 'tenant-b' });
    await a.embedDocuments(['red']);
    await b.embedDocuments(['red']);
    await a.embedDocuments(['red']);
    expect(inner.batches).toEqual([['red'], ['red']]);
  });
});
