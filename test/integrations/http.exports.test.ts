/**
 * Direct tests of the exports of `ai-response-cache/http` no other suite names: `fastifyCache`
 * on a real Fastify server on a free loopback port (real HTTP requests with Node's `fetch`),
 * `strongEtag`, and `DEFAULT_MAX_BODY_BYTES` through the fetch-handler wrapper.
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { type Cache, createCache, MemoryBackend } from '../../src/index.js';
import {
  cacheResponses,
  DEFAULT_MAX_BODY_BYTES,
  fastifyCache,
  strongEtag,
} from '../../src/integrations/http/index.js';
import { uniqueCachePrefix } from '../helpers/redis.js';

const apps: FastifyInstance[] = [];
const caches: Cache[] = [];
afterAll(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(caches.splice(0).map((c) => c.close()));
});

function memoryCache() {
  const backend = new MemoryBackend();
  const cache = createCache({ prefix: uniqueCachePrefix('http-exports'), backend });
  caches.push(cache);
  return { cache, backend };
}

/** A Fastify app with `fastifyCache` registered with `options`, a counted `/answer` route and an uncached `/live`. */
async function startApp(options: Omit<Parameters<typeof fastifyCache>[1], 'cache'>, cache: Cache) {
  const app = Fastify();
  apps.push(app);
  await app.register(fastifyCache, { cache, ...options });
  let calls = 0;
  app.get('/answer', async (request) => {
    calls++;
    return { q: (request.query as { q?: string }).q, n: calls };
  });
  app.get('/live', { config: { cache: false } }, async () => {
    calls++;
    return { live: calls };
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, calls: () => calls };
}

describe('fastifyCache', () => {
  it('decorates the app with the cache (app.cache) and caches no response unless asked', async () => {
    const { cache } = memoryCache();
    const { app, url, calls } = await startApp({}, cache);
    expect((app as unknown as { cache: Cache }).cache).toBe(cache);
    const first = await fetch(`${url}/answer?q=1`);
    const second = await fetch(`${url}/answer?q=1`);
    expect(first.headers.get('x-cache')).toBeNull();
    expect(await second.json()).toEqual({ q: '1', n: 2 });
    expect(calls()).toBe(2);
  });

  it('decorate: a name of choice, or false for none', async () => {
    const named = await startApp({ decorate: 'answers' }, memoryCache().cache);
    expect(named.app.hasDecorator('answers')).toBe(true);
    expect(named.app.hasDecorator('cache')).toBe(false);
    const none = await startApp({ decorate: false }, memoryCache().cache);
    expect(none.app.hasDecorator('cache')).toBe(false);
  });

  it('responses: caches responses with those options (MISS, then HIT without the handler); config.cache false opts out', async () => {
    const { cache } = memoryCache();
    const { url, calls } = await startApp({ responses: { ttl: '1m' } }, cache);
    const miss = await fetch(`${url}/answer?q=cached`);
    const missBody = await miss.text();
    expect(miss.headers.get('x-cache')).toBe('MISS');
    const hit = await fetch(`${url}/answer?q=cached`);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(await hit.text()).toBe(missBody);
    expect(hit.headers.get('etag')).toBe(strongEtag(new TextEncoder().encode(missBody)));
    expect(calls()).toBe(1);
    await fetch(`${url}/live`);
    const live = await fetch(`${url}/live`);
    expect(live.headers.get('x-cache')).toBeNull();
    expect(await live.json()).toEqual({ live: 3 });
  });

  it('app.close() closes the cache (onClose) by default; close: false leaves it open', async () => {
    const closing = memoryCache();
    const a = await startApp({}, closing.cache);
    await a.app.close();
    await expect(closing.backend.get('x')).rejects.toThrow(/closed/);
    const kept = memoryCache();
    const b = await startApp({ close: false }, kept.cache);
    await b.app.close();
    await expect(kept.backend.get('x')).resolves.toBeUndefined();
  });

  it('is not encapsulated: registered on the app, it decorates the app itself and caches routes of child plugins', async () => {
    const { cache } = memoryCache();
    const app = Fastify();
    apps.push(app);
    await app.register(fastifyCache, { cache, responses: { ttl: '1m' } });
    let calls = 0;
    await app.register(async (child) => {
      child.get('/child', async () => ({ n: ++calls, sees: child.hasDecorator('cache') }));
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    expect(app.hasDecorator('cache')).toBe(true);
    const miss = await fetch(`${url}/child`);
    expect(await miss.json()).toEqual({ n: 1, sees: true });
    const hit = await fetch(`${url}/child`);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(calls).toBe(1);
  });
});

describe('strongEtag', () => {
  it('is the quoted base64url sha256 of the bytes (a strong validator: no W/ prefix)', () => {
    const body = new TextEncoder().encode('{"answer":42}');
    const expected = `"${createHash('sha256').update(body).digest('base64url')}"`;
    expect(strongEtag(body)).toBe(expected);
    expect(strongEtag(body)).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(strongEtag(new Uint8Array())).toBe(`"${createHash('sha256').update('').digest('base64url')}"`);
  });

  it('equal bytes give equal tags, one changed byte another tag', () => {
    const a = new Uint8Array([1, 2, 3]);
    expect(strongEtag(a)).toBe(strongEtag(new Uint8Array([1, 2, 3])));
    expect(strongEtag(a)).not.toBe(strongEtag(new Uint8Array([1, 2, 4])));
  });

  it('is the ETag a stored response without its own gets, which If-None-Match then revalidates (304)', async () => {
    const handler = cacheResponses(memoryCache().cache).fetch(async () => new Response('hello etag'));
    const miss = await handler(new Request('http://app.test/e'));
    const etag = strongEtag(new TextEncoder().encode('hello etag'));
    expect(miss.headers.get('etag')).toBe(etag);
    const revalidated = await handler(
      new Request('http://app.test/e', { headers: { 'if-none-match': etag } }),
    );
    expect(revalidated.status).toBe(304);
    const own = cacheResponses(memoryCache().cache).fetch(
      async () => new Response('x', { headers: { etag: '"v1"' } }),
    );
    await own(new Request('http://app.test/own'));
    expect((await own(new Request('http://app.test/own'))).headers.get('etag')).toBe('"v1"');
  });
});

describe('DEFAULT_MAX_BODY_BYTES', () => {
  it('is 1 MiB: a body of exactly that size is stored, one byte more is sent but not stored', async () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(1024 * 1024);
    let calls = 0;
    const handler = cacheResponses(memoryCache().cache).fetch(async (request) => {
      calls++;
      const size = Number(new URL(request.url).searchParams.get('size'));
      return new Response(new Uint8Array(size).fill(97), { headers: { 'content-type': 'text/plain' } });
    });
    const at = `http://app.test/body?size=${DEFAULT_MAX_BODY_BYTES}`;
    expect((await handler(new Request(at))).headers.get('x-cache')).toBe('MISS');
    const hit = await handler(new Request(at));
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect((await hit.arrayBuffer()).byteLength).toBe(DEFAULT_MAX_BODY_BYTES);
    const over = `http://app.test/body?size=${DEFAULT_MAX_BODY_BYTES + 1}`;
    const first = await handler(new Request(over));
    expect((await first.arrayBuffer()).byteLength).toBe(DEFAULT_MAX_BODY_BYTES + 1);
    expect((await handler(new Request(over))).headers.get('x-cache')).toBe('MISS');
    expect(calls).toBe(3);
  });

  it('is only the default: maxBodyBytes raises or lowers the limit', async () => {
    const handler = cacheResponses(memoryCache().cache, { maxBodyBytes: DEFAULT_MAX_BODY_BYTES * 2 }).fetch(
      async () => new Response(new Uint8Array(DEFAULT_MAX_BODY_BYTES + 1)),
    );
    await handler(new Request('http://app.test/big'));
    expect((await handler(new Request('http://app.test/big'))).headers.get('x-cache')).toBe('HIT');
  });
});
