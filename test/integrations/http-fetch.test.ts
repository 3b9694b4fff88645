/**
 * `ai-response-cache/http` pieces without a server: the Cache-Control rules, the options check,
 * and the fetch-handler wrapper called with real `Request` objects (failing backends, handler
 * errors, bodies, sizes); plus cross-process stampede protection over a real Redis.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Cache,
  createCache,
  MemoryBackend,
  RedisBackend,
  RedisLock,
  ValidationError,
} from '../../src/index.js';
import { cacheResponses, parseCacheControl } from '../../src/integrations/http/index.js';
import { requestDecision, responseDecision } from '../../src/integrations/http/policy.js';
import type { HttpRequestInfo } from '../../src/integrations/http/types.js';
import { ControlledBackend } from '../helpers/health-backend.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';

const caches: Cache[] = [];
const closables: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
  await Promise.all(closables.splice(0).map((c) => c.close()));
});

function info(method: string, headers: Record<string, string> = {}): HttpRequestInfo {
  const h = new Headers(headers);
  return { method, path: '/', query: new URLSearchParams(), header: (n) => h.get(n) ?? undefined };
}

function memoryCache(): Cache {
  const cache = createCache({ prefix: uniqueCachePrefix('httpf'), backend: new MemoryBackend() });
  caches.push(cache);
  return cache;
}

describe('Cache-Control rules', () => {
  it('parses directives with and without arguments', () => {
    expect([...parseCacheControl('public, Max-Age=60, s-maxage="120", no-cache')]).toEqual([
      ['public', true],
      ['max-age', '60'],
      ['s-maxage', '120'],
      ['no-cache', true],
    ]);
    expect(parseCacheControl(undefined).size).toBe(0);
  });

  it('requests: no-store skips the cache, no-cache / max-age=0 / a lone Pragma skip the read', () => {
    expect(requestDecision(info('GET'), {})).toEqual({ cacheable: true, read: true, credentialed: false });
    expect(requestDecision(info('GET', { 'cache-control': 'no-store' }), {}).cacheable).toBe(false);
    expect(requestDecision(info('GET', { 'cache-control': 'no-cache' }), {}).read).toBe(false);
    expect(requestDecision(info('GET', { 'cache-control': 'max-age=0' }), {}).read).toBe(false);
    expect(requestDecision(info('GET', { pragma: 'no-cache' }), {}).read).toBe(false);
    expect(requestDecision(info('GET', { pragma: 'no-cache', 'cache-control': 'max-age=5' }), {}).read).toBe(
      true,
    );
    expect(
      requestDecision(info('GET', { 'cache-control': 'no-store' }), { honorRequestCacheControl: false })
        .cacheable,
    ).toBe(true);
  });

  it('requests: POST only with post, credentials only with private, other methods never', () => {
    expect(requestDecision(info('POST'), {}).cacheable).toBe(false);
    expect(requestDecision(info('POST'), { post: true }).cacheable).toBe(true);
    expect(requestDecision(info('PUT'), { post: true }).cacheable).toBe(false);
    expect(requestDecision(info('GET', { authorization: 'Bearer x' }), {}).cacheable).toBe(false);
    expect(requestDecision(info('GET', { cookie: 'a=b' }), {}).cacheable).toBe(false);
    expect(requestDecision(info('GET', { authorization: 'Bearer x' }), { private: true })).toEqual({
      cacheable: true,
      read: true,
      credentialed: true,
    });
  });

  it('responses: s-maxage over max-age; max-age=0, no-store, no-cache, private, Vary: *, Set-Cookie, other statuses are not stored', () => {
    const anon = { cacheable: true, read: true, credentialed: false };
    const user = { cacheable: true, read: true, credentialed: true };
    const cc = (value: string) => [['cache-control', value]] as [string, string][];
    expect(responseDecision(200, cc('max-age=60, s-maxage=5'), {}, anon)).toEqual({
      store: true,
      ttlMs: 5000,
      vary: [],
    });
    expect(responseDecision(200, cc('max-age=60'), {}, anon).ttlMs).toBe(60_000);
    expect(responseDecision(200, [], {}, anon)).toEqual({ store: true, ttlMs: undefined, vary: [] });
    for (const value of ['max-age=0', 'no-store', 'no-cache', 'private'])
      expect(responseDecision(200, cc(value), {}, anon).store, value).toBe(false);
    expect(responseDecision(200, cc('private'), { private: true }, user).store).toBe(true);
    expect(responseDecision(200, cc('private'), { private: true }, anon).store).toBe(false);
    expect(responseDecision(200, [['vary', '*']], {}, anon).store).toBe(false);
    expect(responseDecision(200, [['set-cookie', 'a=b']], {}, anon).store).toBe(false);
    expect(responseDecision(404, [], {}, anon).store).toBe(false);
    expect(responseDecision(404, [], { statuses: [200, 404] }, anon).store).toBe(true);
    expect(
      responseDecision(
        200,
        [
          ['vary', 'Accept-Language, accept'],
          ['vary', 'Accept'],
        ],
        {},
        anon,
      ).vary,
    ).toEqual(['accept', 'accept-language']);
  });
});

describe('options', () => {
  it('a ValidationError lists every invalid option', () => {
    const cache = memoryCache();
    let error: unknown;
    try {
      cacheResponses(cache, {
        ttl: 'soon' as never,
        grace: -1,
        statuses: [99],
        maxBodyBytes: 1.5,
        tags: 'x' as never,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      'ttl',
      'grace',
      'statuses',
      'maxBodyBytes',
      'tags',
    ]);
    const http = cacheResponses(cache);
    expect(() => http.fetch(() => new Response('x'), { ttl: 0 })).toThrow(ValidationError);
  });
});

describe('fetch wrapper with real Request objects', () => {
  it('HIT with the same body and headers, 304 for If-None-Match, HEAD without a body', async () => {
    let calls = 0;
    const handler = cacheResponses(memoryCache()).fetch(async () => {
      calls++;
      return Response.json({ answer: 42 }, { headers: { 'x-app': 'a' } });
    });
    const miss = await handler(new Request('http://app.test/answer?b=1&a=2'));
    expect(miss.headers.get('x-cache')).toBe('MISS');
    const missBody = await miss.text();
    const hit = await handler(new Request('http://app.test/answer?a=2&b=1'));
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(await hit.text()).toBe(missBody);
    expect(hit.headers.get('etag')).toBe(miss.headers.get('etag'));
    expect(hit.headers.get('x-app')).toBe('a');
    const etag = hit.headers.get('etag') ?? '';
    const notModified = await handler(
      new Request('http://app.test/answer?a=2&b=1', { headers: { 'if-none-match': etag } }),
    );
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(etag);
    expect(notModified.body).toBeNull();
    const head = await handler(new Request('http://app.test/answer?a=2&b=1', { method: 'HEAD' }));
    expect(head.headers.get('x-cache')).toBe('HIT');
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(missBody)));
    expect(head.body).toBeNull();
    expect(calls).toBe(1);
  });

  it('a POST body is hashed into the key and still readable by the handler', async () => {
    const seen: string[] = [];
    const handler = cacheResponses(memoryCache(), { post: true }).fetch(async (request) => {
      const text = await request.text();
      seen.push(text);
      return new Response(`echo ${text}`);
    });
    const post = (body: string) => handler(new Request('http://app.test/complete', { method: 'POST', body }));
    expect(await (await post('{"prompt":"hi"}')).text()).toBe('echo {"prompt":"hi"}');
    const again = await post('{"prompt":"hi"}');
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(await (await post('{"prompt":"other"}')).text()).toBe('echo {"prompt":"other"}');
    expect(seen).toEqual(['{"prompt":"hi"}', '{"prompt":"other"}']);
  });

  it('a failing backend is a miss, never an application failure', async () => {
    const backend = new ControlledBackend();
    backend.fault = () => new Error('backend down');
    const cache = createCache({
      prefix: uniqueCachePrefix('httpf'),
      backend,
      l1: false,
      errorEvents: { intervalMs: 0 },
    });
    caches.push(cache);
    const errors: unknown[] = [];
    cache.on('error', (e) => errors.push(e));
    let calls = 0;
    const handler = cacheResponses(cache).fetch(async () => {
      calls++;
      return new Response(`answer ${calls}`);
    });
    expect(await (await handler(new Request('http://app.test/x'))).text()).toBe('answer 1');
    expect(await (await handler(new Request('http://app.test/x'))).text()).toBe('answer 2');
    expect(errors.length).toBeGreaterThan(0);
  });

  it("a handler's error reaches the caller (nothing stored); a later call runs the handler again", async () => {
    let calls = 0;
    const handler = cacheResponses(memoryCache()).fetch(async () => {
      calls++;
      if (calls === 1) throw new Error('upstream exploded');
      return new Response('fine');
    });
    await expect(handler(new Request('http://app.test/e'))).rejects.toThrow('upstream exploded');
    expect(await (await handler(new Request('http://app.test/e'))).text()).toBe('fine');
    expect((await handler(new Request('http://app.test/e'))).headers.get('x-cache')).toBe('HIT');
  });

  it('a key option returning an invalid key leaves the request to the handler and reports an error event', async () => {
    const cache = createCache({ prefix: uniqueCachePrefix('httpf'), errorEvents: { intervalMs: 0 } });
    caches.push(cache);
    const errors: unknown[] = [];
    cache.on('error', (e) => errors.push(e));
    let calls = 0;
    const handler = cacheResponses(cache).fetch(
      async () => {
        calls++;
        return new Response('ok');
      },
      { key: () => null as never },
    );
    expect(await (await handler(new Request('http://app.test/k'))).text()).toBe('ok');
    expect(await (await handler(new Request('http://app.test/k'))).text()).toBe('ok');
    expect(calls).toBe(2);
    expect(errors).toHaveLength(2);
  });

  it('a HEAD with Cache-Control: no-cache reaches the handler', async () => {
    let calls = 0;
    const handler = cacheResponses(memoryCache()).fetch(async () => {
      calls++;
      return new Response('body');
    });
    await (await handler(new Request('http://app.test/h'))).text();
    const head = await handler(
      new Request('http://app.test/h', { method: 'HEAD', headers: { 'cache-control': 'no-cache' } }),
    );
    expect(head.headers.get('x-cache')).toBeNull();
    expect(calls).toBe(2);
  });

  it('a response larger than maxBodyBytes is sent whole but not stored', async () => {
    let calls = 0;
    const handler = cacheResponses(memoryCache(), { maxBodyBytes: 10 }).fetch(async () => {
      calls++;
      return new Response('x'.repeat(100));
    });
    expect((await (await handler(new Request('http://app.test/big'))).text()).length).toBe(100);
    expect((await (await handler(new Request('http://app.test/big'))).text()).length).toBe(100);
    expect(calls).toBe(2);
  });

  it('waiting requests of a response that cannot be stored run the handler themselves', async () => {
    let calls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handler = cacheResponses(memoryCache()).fetch(async () => {
      const n = ++calls;
      await gate;
      return new Response(`private ${n}`, { headers: { 'set-cookie': `sid=${n}` } });
    });
    const pending = Array.from({ length: 3 }, () => handler(new Request('http://app.test/cookie')));
    release();
    const responses = await Promise.all(pending);
    // Each got its own answer (and its own cookie), none got another's.
    expect(new Set(responses.map((r) => r.headers.get('set-cookie'))).size).toBe(3);
    expect(calls).toBe(3);
  });
});

describeRedis('http stampede across processes (lock: true)', (url) => {
  it('two caches (two processes) with 25 concurrent identical requests each reach the handler once', async () => {
    const prefix = uniqueCachePrefix('httplock');
    const make = () => {
      const backend = new RedisBackend({ url });
      const lock = new RedisLock({ client: backend.client, keyPrefix: `${prefix}:lock:` });
      const cache = createCache({ prefix, backend, lock });
      caches.push(cache);
      return cache;
    };
    let calls = 0;
    let allIn: () => void = () => {};
    const everyone = new Promise<void>((resolve) => {
      allIn = resolve;
    });
    const caches2 = [make(), make()];
    // The handler answers only once both processes have missed: the second must wait on the lock.
    const missed = new Set<Cache>();
    for (const cache of caches2)
      cache.on('miss', () => {
        missed.add(cache);
        if (missed.size === 2) allIn();
      });
    const handle = async () => {
      calls++;
      await everyone;
      return new Response('one answer');
    };
    const handlers = caches2.map((cache) => cacheResponses(cache, { lock: true }).fetch(handle));
    const requests = handlers.flatMap((h) =>
      Array.from({ length: 25 }, () => h(new Request('http://app.test/shared'))),
    );
    const bodies = await Promise.all(requests.map(async (r) => (await r).text()));
    expect(new Set(bodies)).toEqual(new Set(['one answer']));
    expect(calls).toBe(1);
  });
});
