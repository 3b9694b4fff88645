/**
 * HttpBackend when the server misbehaves: wrong credentials, a server that never answers, 5xx
 * and 429 before a success, a stopped and restarted server, and a `Cache` over a failing one.
 * Real HTTP servers on free loopback ports; the backoff's sleep is injected (no real waits).
 */
import type { RequestListener } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HttpBackend } from '../../src/backends/http.js';
import type { HttpBackendOptions } from '../../src/backends/http-options.js';
import { MemoryBackend } from '../../src/backends/memory.js';
import { createCache } from '../../src/cache/cache.js';
import type { CacheEvent } from '../../src/cache/events.js';
import { InfrastructureError } from '../../src/errors.js';
import { createHttpBackendServer } from '../../src/testing/index.js';
import { type StartedHttpServer, startHttpServer } from './http-helpers.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const TOKEN = 'right-token-abcdef';

const started: StartedHttpServer[] = [];
const backends: HttpBackend[] = [];
afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close()));
  await Promise.all(started.splice(0).map((s) => s.close()));
});

/** A memory store served by the reference server behind `wrap` (which may answer first). */
async function start(wrap?: (next: RequestListener) => RequestListener, port?: number) {
  const store = new MemoryBackend();
  const reference = createHttpBackendServer({ backend: store, token: TOKEN });
  const requests: string[] = [];
  const inner = wrap ? wrap(reference.handler) : reference.handler;
  const server = await startHttpServer((req, res) => {
    requests.push(`${req.method} ${req.url?.split('?')[0]}`);
    inner(req, res);
  }, port);
  started.push(server);
  return { store, server, requests };
}

/** An HttpBackend with a recording no-op sleep and `errors` collecting what became a miss. */
function client(url: string, options: Partial<HttpBackendOptions> = {}, token: string | null = TOKEN) {
  const sleeps: number[] = [];
  const errors: InfrastructureError[] = [];
  const backend = new HttpBackend({
    url,
    ...(token === null ? {} : { token }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0,
    onError: (e) => errors.push(e),
    // Generous: on a loaded machine a real answer must not turn into a timeout.
    timeoutMs: 15_000,
    ...options,
  });
  backends.push(backend);
  return { backend, sleeps, errors };
}

describe('HttpBackend: authentication', () => {
  it('a rejected token makes reads misses and writes typed errors, without retries or the token in errors', async () => {
    const { store, server, requests } = await start();
    await store.set('k', bytes('v'), 60_000);
    const { backend, errors, sleeps } = client(server.url, { token: 'wrong-token-123' });
    expect(await backend.get('k')).toBeUndefined();
    expect(await backend.has('k')).toBe(false);
    expect(await backend.getMany(['k'])).toEqual([undefined]);
    const failure = await backend.set('k', bytes('w'), 60_000).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InfrastructureError);
    expect((failure as InfrastructureError).context).toMatchObject({
      reason: 'unauthorized',
      status: 401,
      op: 'set',
    });
    await expect(backend.delete('k')).rejects.toThrow(InfrastructureError);
    expect(errors.map((e) => e.context.reason)).toEqual(['unauthorized', 'unauthorized', 'unauthorized']);
    expect(
      JSON.stringify([errors.map((e) => [e.message, e.context]), (failure as Error).message]),
    ).not.toMatch(/token/);
    expect(requests).toHaveLength(5); // one request each: 401 is not retried
    expect(sleeps).toEqual([]);
    expect(await store.get('k')).toEqual(bytes('v'));
  });

  it('a missing token is rejected the same way', async () => {
    const { server } = await start();
    const { backend, errors } = client(server.url, {}, null);
    expect(await backend.get('k')).toBeUndefined();
    expect(errors[0]?.context).toMatchObject({ reason: 'unauthorized', status: 401 });
  });
});

describe('HttpBackend: a hung server', () => {
  it('a read is a miss once the timeout fires, and is not retried', async () => {
    const requests: string[] = [];
    const hung = await startHttpServer((req) => {
      requests.push(req.method ?? '');
      // Never answers; closed by afterEach.
    });
    started.push(hung);
    const { backend, errors, sleeps } = client(hung.url, { timeoutMs: 100 });
    expect(await backend.get('k')).toBeUndefined();
    expect(errors.map((e) => e.context.reason)).toEqual(['timeout']);
    expect(errors[0]?.message).toContain('did not answer within 100 ms');
    await expect(backend.set('k', bytes('v'), 1000)).rejects.toMatchObject({
      context: { reason: 'timeout' },
    });
    // Not retried: no backoff wait, and at most the two requests reached the server (on a loaded
    // machine one may time out before the server's handler even sees it).
    expect(sleeps).toEqual([]);
    expect(requests.length).toBeLessThanOrEqual(2);
  });

  it('close() aborts a request in flight at once', async () => {
    const hung = await startHttpServer(() => undefined);
    started.push(hung);
    const { backend } = client(hung.url, { timeoutMs: 60_000 });
    const pending = backend.get('k');
    await backend.close();
    await expect(pending).rejects.toMatchObject({ context: { reason: 'closed' } });
    await expect(backend.get('k')).rejects.toThrow('is closed');
  });
});

describe('HttpBackend: retries', () => {
  /** Answers `statuses` (one per request) before passing requests on. */
  const failFirst =
    (statuses: number[], headers: Record<string, string> = {}) =>
    (next: RequestListener): RequestListener =>
    (req, res) => {
      const status = statuses.shift();
      if (status === undefined) next(req, res);
      else res.writeHead(status, headers).end('busy');
    };

  it('503, 502 then 200: retried with exponential backoff and jitter, then answered', async () => {
    const { store, server, requests } = await start(failFirst([503, 502]));
    await store.set('k', bytes('v'), 60_000);
    const { backend, sleeps, errors } = client(server.url, { retryDelayMs: 40 });
    expect(await backend.get('k')).toEqual(bytes('v'));
    expect(requests).toEqual(['GET /v1/entries/k', 'GET /v1/entries/k', 'GET /v1/entries/k']);
    expect(sleeps).toEqual([20, 40]); // 40 * 2^n scaled by the jitter factor 0.5 (random() = 0)
    expect(errors).toEqual([]);
  });

  it('writes are retried too, and a 429 waits its Retry-After (capped)', async () => {
    const { store, server } = await start(failFirst([429], { 'retry-after': '3' }));
    const { backend, sleeps } = client(server.url, { maxRetryDelayMs: 300 });
    await backend.set('k', bytes('v'), 60_000);
    expect(sleeps).toEqual([300]);
    expect(await store.get('k')).toEqual(bytes('v'));
  });

  it('gives up after `retries`: a read is a miss, a write throws the last status', async () => {
    const { server, requests } = await start(failFirst([500, 500, 500, 500, 500, 500]));
    const { backend, sleeps, errors } = client(server.url, { retries: 2, random: () => 0.999 });
    expect(await backend.get('k')).toBeUndefined();
    expect(errors[0]?.context).toMatchObject({ reason: 'status', status: 500, op: 'get' });
    await expect(backend.set('k', bytes('v'), 1000)).rejects.toMatchObject({ context: { status: 500 } });
    expect(requests).toHaveLength(6);
    expect(sleeps.map(Math.round)).toEqual([25, 50, 25, 50]);
  });

  it('a 4xx other than 401/403/429 is not retried and concerns that request only', async () => {
    const { server, requests } = await start(failFirst([413]));
    const { backend, sleeps } = client(server.url);
    const error = await backend.set('k', bytes('v'), 1000).catch((e: unknown) => e);
    expect(error).toMatchObject({ scope: 'key', context: { status: 413 } });
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });
});

describe('HttpBackend: a stopped server', () => {
  it('misses while it is down (after the retries), then works again once it is back on its port', async () => {
    const first = await start();
    await first.store.set('kept', bytes('v'), 60_000);
    const { backend, errors, sleeps } = client(first.server.url, { retries: 1 });
    expect(await backend.get('kept')).toEqual(bytes('v'));
    await first.server.close();

    expect(await backend.get('kept')).toBeUndefined();
    expect(await backend.has('kept')).toBe(false);
    expect(errors.map((e) => e.context.reason)).toEqual(['network', 'network']);
    expect(errors[0]?.message).toContain('ECONNREFUSED');
    expect(sleeps).toHaveLength(2); // one retry per read
    await expect(backend.set('new', bytes('n'), 60_000)).rejects.toMatchObject({
      context: { reason: 'network' },
    });
    await expect(backend.clear()).rejects.toThrow(InfrastructureError);

    // The same port again, with the store the server had (a restarted server over durable storage).
    const reference = createHttpBackendServer({ backend: first.store, token: TOKEN });
    const again = await startHttpServer(reference.handler, first.server.port);
    started.push(again);
    expect(await backend.get('kept')).toEqual(bytes('v'));
    await backend.set('new', bytes('n'), 60_000);
    expect(await first.store.get('new')).toEqual(bytes('n'));
  });
});

describe('a Cache over a failing HttpBackend', () => {
  const caches: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(caches.map((c) => c.close()));
  });

  it('never fails the application: misses, dropped writes, error events (readErrors: throw)', async () => {
    const { server } = await start();
    await server.close();
    const http = new HttpBackend({ url: server.url, token: TOKEN, readErrors: 'throw', retries: 0 });
    const cache = createCache({ backend: http, l1: false, errorEvents: { intervalMs: 0 } });
    caches.push(cache);
    const events: CacheEvent[] = [];
    cache.on('error', (e) => events.push(e));
    await expect(cache.set('a', 1)).resolves.toBeDefined();
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.getOrSet('p', () => 'produced')).toBe('produced');
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events[0]).toMatchObject({ type: 'error', op: 'set', backend: 'http' });
    expect(events[0]?.error).toBeInstanceOf(InfrastructureError);
    expect(cache.stats().degraded).toBe(true);
  });

  it('with the default readErrors (miss), reads are silent misses and writes still report', async () => {
    const { server } = await start();
    await server.close();
    const cache = createCache({
      backend: new HttpBackend({ url: server.url, token: TOKEN, retries: 0 }),
      l1: false,
      errorEvents: { intervalMs: 0 },
    });
    caches.push(cache);
    const ops: string[] = [];
    cache.on('error', (e) => ops.push(String(e.op)));
    expect(await cache.get('a')).toBeUndefined();
    await cache.set('a', 1);
    expect(ops).toEqual(['set']);
  });
});
