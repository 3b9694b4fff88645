/**
 * `ai-response-cache/http` end to end: real HTTP requests (Node's `fetch`) against a real
 * Express server, a real Fastify server and the fetch-handler wrapper served by `node:http`,
 * all on free loopback ports, over a memory backend and over the shared real redis-server.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type Cache, type CacheBackend, createCache, MemoryBackend, RedisBackend } from '../../src/index.js';
import { cacheResponses, type HttpCacheOptions } from '../../src/integrations/http/index.js';
import { fakeClock } from '../helpers/clock.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';
import { ADAPTERS, type Adapter, type App, type Route, rawGet, startApp } from './http-apps.js';

const apps: App[] = [];
const caches: Cache[] = [];
afterAll(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(caches.splice(0).map((c) => c.close()));
});

/** The response's headers, without those that differ between a MISS and a HIT. */
function stableHeaders(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!['x-cache', 'age', 'date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name))
      out[name] = value;
  });
  return out;
}

function suite(label: string, makeBackend: () => CacheBackend): void {
  for (const adapter of ADAPTERS) {
    describe(`${adapter} over ${label}`, () => {
      async function setup(routes: Record<string, Route>, options: HttpCacheOptions = {}) {
        const clock = fakeClock(Date.now());
        const backend = makeBackend();
        const cache = createCache({ prefix: uniqueCachePrefix('http'), backend, now: clock.now });
        caches.push(cache);
        const http = cacheResponses(cache, { now: clock.now, ...options });
        const app = await startApp(adapter as Adapter, http, routes);
        apps.push(app);
        return { app, cache, clock, backend };
      }

      const items: Route = {
        handle: (req) => ({
          headers: { 'content-type': 'application/json', 'x-app': 'one' },
          body: JSON.stringify({ q: req.query.get('q'), at: Math.random() }),
        }),
      };

      it('a second GET is a HIT with the same body and headers; the handler runs once', async () => {
        const { app } = await setup({ '/items': items });
        const first = await fetch(`${app.url}/items?q=1&b=2`);
        const firstBody = await first.text();
        expect(first.status).toBe(200);
        expect(first.headers.get('x-cache')).toBe('MISS');
        const second = await fetch(`${app.url}/items?b=2&q=1`); // same query, other order
        expect(second.headers.get('x-cache')).toBe('HIT');
        expect(second.headers.get('age')).toBe('0');
        expect(await second.text()).toBe(firstBody);
        expect(stableHeaders(second)).toEqual(stableHeaders(first));
        expect(second.headers.get('etag')).toBeTruthy();
        expect(app.calls.get('/items')).toBe(1);
        const other = await fetch(`${app.url}/items?q=2`);
        expect(other.headers.get('x-cache')).toBe('MISS');
        expect(app.calls.get('/items')).toBe(2);
      });

      it('HEAD is answered from the GET entry, without a body; a HEAD alone stores nothing', async () => {
        const { app } = await setup({ '/items': items });
        const head0 = await fetch(`${app.url}/items?q=h`, { method: 'HEAD' });
        expect(head0.headers.get('x-cache')).toBeNull();
        const get = await fetch(`${app.url}/items?q=h`);
        const body = await get.text();
        expect(get.headers.get('x-cache')).toBe('MISS');
        const head = await fetch(`${app.url}/items?q=h`, { method: 'HEAD' });
        expect(head.headers.get('x-cache')).toBe('HIT');
        expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
        expect(await head.text()).toBe('');
        expect(app.calls.get('/items')).toBe(2);
      });

      it('Age counts the seconds since the response was stored (injected clock)', async () => {
        const { app, clock } = await setup({ '/items': items }, { ttl: '1h' });
        await (await fetch(`${app.url}/items`)).text();
        clock.advance(42_500);
        const hit = await fetch(`${app.url}/items`);
        expect(hit.headers.get('x-cache')).toBe('HIT');
        expect(hit.headers.get('age')).toBe('42');
      });

      it('a response with Cache-Control: no-store is never stored', async () => {
        const { app, backend } = await setup({
          '/nostore': { handle: () => ({ headers: { 'cache-control': 'no-store' }, body: 'secret' }) },
        });
        for (let i = 0; i < 3; i++) {
          const r = await fetch(`${app.url}/nostore`);
          expect(await r.text()).toBe('secret');
          expect(r.headers.get('x-cache')).not.toBe('HIT');
        }
        expect(app.calls.get('/nostore')).toBe(3);
        const keys: string[] = [];
        for await (const k of backend.keys()) keys.push(k);
        expect(keys.filter((k) => k.includes('nostore'))).toEqual([]);
      });

      it('a request with Cache-Control: no-store is neither read nor stored; no-cache reaches the handler and refreshes', async () => {
        const { app } = await setup({ '/items': items });
        const a = await fetch(`${app.url}/items`, { headers: { 'cache-control': 'no-store' } });
        await a.text();
        const b = await fetch(`${app.url}/items`);
        const bBody = await b.text();
        expect(b.headers.get('x-cache')).toBe('MISS');
        expect(app.calls.get('/items')).toBe(2);
        const c = await fetch(`${app.url}/items`, { headers: { 'cache-control': 'no-cache' } });
        const cBody = await c.text();
        expect(c.headers.get('x-cache')).toBe('MISS');
        expect(cBody).not.toBe(bBody);
        expect(app.calls.get('/items')).toBe(3);
        const d = await fetch(`${app.url}/items`);
        expect(d.headers.get('x-cache')).toBe('HIT');
        expect(await d.text()).toBe(cBody);
      });

      it('If-None-Match with the stored ETag gets a 304 with the ETag and no body', async () => {
        const { app } = await setup({ '/items': items });
        const first = await fetch(`${app.url}/items`);
        await first.text();
        const hit = await fetch(`${app.url}/items`);
        const etag = hit.headers.get('etag') ?? '';
        expect(etag).toMatch(/"/);
        const conditional = await rawGet(`${app.url}/items`, { 'if-none-match': etag });
        expect(conditional.status).toBe(304);
        expect(conditional.headers.etag).toBe(etag);
        expect(conditional.headers['x-cache']).toBe('HIT');
        expect(conditional.body).toBe('');
        const listed = await rawGet(`${app.url}/items`, { 'if-none-match': `"other", ${etag}` });
        expect(listed.status).toBe(304);
        const other = await rawGet(`${app.url}/items`, { 'if-none-match': '"nope"' });
        expect(other.status).toBe(200);
        expect(other.headers['x-cache']).toBe('HIT');
        // Node's fetch adds Cache-Control: no-cache to a conditional request: the handler answers.
        const viaFetch = await fetch(`${app.url}/items`, { headers: { 'if-none-match': etag } });
        await viaFetch.text();
        expect(viaFetch.headers.get('x-cache')).toBe('MISS');
        expect(app.calls.get('/items')).toBe(2);
      });

      it('a generated ETag is a strong hash of the body when the handler sets none', async () => {
        const { app } = await setup({
          '/raw': { handle: () => ({ headers: { 'content-type': 'text/plain' }, body: 'same bytes' }) },
        });
        await (await fetch(`${app.url}/raw`)).text();
        const hit = await fetch(`${app.url}/raw`);
        const etag = hit.headers.get('etag') ?? '';
        // Express sets its own weak ETag on res.send; the others get the cache's strong one.
        if (adapter === 'express') expect(etag).toMatch(/^W\/"/);
        else expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
      });

      it('50 concurrent identical requests reach the handler once', async () => {
        let app!: App;
        const setupDone = setup({
          '/slow': {
            handle: async () => {
              await app.arrived(50); // every request is in flight before the first answer
              return { headers: { 'content-type': 'text/plain' }, body: `answer ${Math.random()}` };
            },
          },
        });
        app = (await setupDone).app;
        const responses = await Promise.all(Array.from({ length: 50 }, () => fetch(`${app.url}/slow?x=1`)));
        const bodies = await Promise.all(responses.map((r) => r.text()));
        expect(app.calls.get('/slow')).toBe(1);
        expect(new Set(bodies).size).toBe(1);
        const statuses = responses.map((r) => r.headers.get('x-cache'));
        expect(statuses.filter((s) => s === 'MISS')).toHaveLength(1);
        expect(statuses.filter((s) => s === 'HIT')).toHaveLength(49);
      });

      it('Vary: each variant is stored under its own key, selected by the request headers', async () => {
        const { app } = await setup({
          '/vary': {
            handle: (req) => ({
              headers: { vary: 'Accept-Language', 'content-type': 'text/plain' },
              body: `hello in ${req.header('accept-language')}`,
            }),
          },
        });
        const get = async (lang: string) => {
          const r = await fetch(`${app.url}/vary`, { headers: { 'accept-language': lang } });
          return { cache: r.headers.get('x-cache'), body: await r.text() };
        };
        expect(await get('fr')).toEqual({ cache: 'MISS', body: 'hello in fr' });
        expect(await get('en')).toEqual({ cache: 'MISS', body: 'hello in en' });
        expect(await get('fr')).toEqual({ cache: 'HIT', body: 'hello in fr' });
        expect(await get('en')).toEqual({ cache: 'HIT', body: 'hello in en' });
        expect(app.calls.get('/vary')).toBe(2);
      });

      it('POST is cached only when opted in, keyed by the body', async () => {
        const answer: Route['handle'] = (req) => ({
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ echo: req.body, n: Math.random() }),
        });
        const { app, backend } = await setup({
          '/complete': { handle: answer, cache: { post: true } },
          '/plain': { handle: answer },
        });
        const post = async (path: string, body: unknown) => {
          const r = await fetch(`${app.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          return { cache: r.headers.get('x-cache'), body: await r.text() };
        };
        const a = await post('/complete', { prompt: 'tell me a secret' });
        expect(a.cache).toBe('MISS');
        expect(await post('/complete', { prompt: 'tell me a secret' })).toEqual({
          cache: 'HIT',
          body: a.body,
        });
        expect((await post('/complete', { prompt: 'another' })).cache).toBe('MISS');
        expect(app.calls.get('/complete')).toBe(2);
        await post('/plain', { prompt: 'x' });
        expect((await post('/plain', { prompt: 'x' })).cache).toBeNull();
        expect(app.calls.get('/plain')).toBe(2);
        const keys: string[] = [];
        for await (const k of backend.keys()) keys.push(k);
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.join('\n')).not.toMatch(/secret|prompt/);
      });

      it('an SSE response is recorded while streamed and replayed with the same bytes', async () => {
        const events = ['data: {"delta":"Hel"}\n\n', 'data: {"delta":"lo"}\n\n', 'data: [DONE]\n\n'];
        const { app } = await setup({
          '/sse': { handle: () => ({ headers: { 'content-type': 'text/event-stream' }, events }) },
        });
        const first = await fetch(`${app.url}/sse`);
        expect(first.headers.get('x-cache')).toBe('MISS');
        expect(await first.text()).toBe(events.join(''));
        const second = await fetch(`${app.url}/sse`);
        expect(second.headers.get('x-cache')).toBe('HIT');
        expect(second.headers.get('content-type')).toMatch(/^text\/event-stream/);
        expect(await second.text()).toBe(events.join(''));
        expect(app.calls.get('/sse')).toBe(1);
      });

      it('an SSE stream cut in the middle is not stored', async () => {
        const { app } = await setup({
          '/cut': {
            handle: () => ({
              headers: { 'content-type': 'text/event-stream' },
              events: ['data: 1\n\n'],
              abort: true,
            }),
          },
        });
        for (let i = 0; i < 2; i++) {
          const r = await fetch(`${app.url}/cut`);
          await expect(r.text()).rejects.toThrow();
        }
        expect(app.calls.get('/cut')).toBe(2);
      });

      it('an SSE stream whose client disconnects before the end is not stored', async () => {
        const { app } = await setup({
          '/left': {
            handle: () => ({
              headers: { 'content-type': 'text/event-stream' },
              events: ['data: 1\n\n'],
              untilClientGone: true,
            }),
          },
        });
        const aborter = new AbortController();
        const first = await fetch(`${app.url}/left`, { signal: aborter.signal });
        const reader = first.body?.getReader();
        const chunk = await reader?.read();
        expect(new TextDecoder().decode(chunk?.value)).toContain('data: 1');
        aborter.abort();
        await reader?.cancel().catch(() => {});
        // The handler finishes its stream after the client left; the next client gets a fresh one.
        const second = await fetch(`${app.url}/left`, { signal: AbortSignal.timeout(10_000) });
        expect(second.headers.get('x-cache')).toBe('MISS');
        await second.body?.cancel();
        expect(app.calls.get('/left')).toBe(2);
      });

      it('requests with Authorization or cookies are not cached unless the route is private (then per credential)', async () => {
        const whoami: Route['handle'] = (req) => ({
          body: `user ${req.header('authorization')} ${Math.random()}`,
        });
        const { app, backend } = await setup({
          '/me': { handle: whoami },
          '/mine': { handle: whoami, cache: { private: true } },
        });
        const get = async (path: string, auth: string) => {
          const r = await fetch(`${app.url}${path}`, { headers: { authorization: auth } });
          return { cache: r.headers.get('x-cache'), body: await r.text() };
        };
        await get('/me', 'Bearer alice-token');
        expect((await get('/me', 'Bearer alice-token')).cache).toBeNull();
        expect(app.calls.get('/me')).toBe(2);
        const cookie = await fetch(`${app.url}/me`, { headers: { cookie: 'sid=1' } });
        expect(cookie.headers.get('x-cache')).toBeNull();
        await cookie.text();

        const alice = await get('/mine', 'Bearer alice-token');
        expect((await get('/mine', 'Bearer alice-token')).body).toBe(alice.body);
        const bob = await get('/mine', 'Bearer bob-token');
        expect(bob.cache).toBe('MISS');
        expect(bob.body).not.toBe(alice.body);
        const keys: string[] = [];
        for await (const k of backend.keys()) keys.push(k);
        expect(keys.join('\n')).not.toMatch(/alice|bob|Bearer/);
      });

      it('responses with Set-Cookie, Cache-Control private or no-cache, or another status are not stored', async () => {
        const { app } = await setup({
          '/cookie': { handle: () => ({ headers: { 'set-cookie': 'sid=abc' }, body: 'c' }) },
          '/private': { handle: () => ({ headers: { 'cache-control': 'private, max-age=60' }, body: 'p' }) },
          '/nocache': { handle: () => ({ headers: { 'cache-control': 'no-cache' }, body: 'n' }) },
          '/missing': { handle: () => ({ status: 404, body: 'not found' }) },
        });
        for (const path of ['/cookie', '/private', '/nocache', '/missing']) {
          for (let i = 0; i < 2; i++) await (await fetch(`${app.url}${path}`)).text();
          expect(app.calls.get(path), path).toBe(2);
        }
      });

      it('s-maxage over max-age sets the TTL (injected clock)', async () => {
        const { app, clock } = await setup(
          {
            '/short': {
              handle: () => ({
                headers: { 'cache-control': 'public, max-age=3600, s-maxage=2' },
                body: `${Math.random()}`,
              }),
            },
          },
          { ttl: '1h' },
        );
        await (await fetch(`${app.url}/short`)).text();
        clock.advance(1_500);
        expect((await fetch(`${app.url}/short`)).headers.get('x-cache')).toBe('HIT');
        clock.advance(1_000);
        expect((await fetch(`${app.url}/short`)).headers.get('x-cache')).toBe('MISS');
        expect(app.calls.get('/short')).toBe(2);
      });

      it('with grace, a failing handler is replaced by the stale entry (X-Cache: STALE); without an entry the failure goes out', async () => {
        let failing = false;
        const { app, clock } = await setup({
          '/flaky': {
            cache: { ttl: '1s', grace: '1h' },
            handle: () => (failing ? { status: 503, body: 'down' } : { body: 'good answer' }),
          },
          '/never': { cache: { ttl: '1s', grace: '1h' }, handle: () => ({ status: 500, body: 'broken' }) },
        });
        expect(await (await fetch(`${app.url}/flaky`)).text()).toBe('good answer');
        failing = true;
        clock.advance(2_000);
        const stale = await fetch(`${app.url}/flaky`);
        expect(stale.status).toBe(200);
        expect(stale.headers.get('x-cache')).toBe('STALE');
        expect(await stale.text()).toBe('good answer');
        const broken = await fetch(`${app.url}/never`);
        expect(broken.status).toBe(500);
        expect(await broken.text()).toBe('broken');
      });

      it('tags of a route invalidate its entries', async () => {
        const { app, cache } = await setup({
          '/tagged': { handle: items.handle, cache: { tags: (req) => [`q:${req.query.get('q')}`] } },
        });
        await (await fetch(`${app.url}/tagged?q=a`)).text();
        expect((await fetch(`${app.url}/tagged?q=a`)).headers.get('x-cache')).toBe('HIT');
        await cache.invalidateTags(['q:a']);
        expect((await fetch(`${app.url}/tagged?q=a`)).headers.get('x-cache')).toBe('MISS');
      });

      it('a key override replaces path and query (Vary still applies)', async () => {
        const { app } = await setup({
          '/k': { handle: items.handle, cache: { key: () => 'one-entry' } },
        });
        const first = await (await fetch(`${app.url}/k?q=1`)).text();
        const second = await fetch(`${app.url}/k?q=2`);
        expect(second.headers.get('x-cache')).toBe('HIT');
        expect(await second.text()).toBe(first);
      });
    });
  }
}

suite('memory', () => new MemoryBackend());

describeRedis('http over Redis', (url) => {
  suite('Redis', () => new RedisBackend({ url }));
});
