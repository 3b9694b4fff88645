/**
 * HttpBackend against the reference server (`createHttpBackendServer`) on a free loopback
 * port: the conformance suite (batched and per key, over memory and over a real Redis), the
 * protocol's edge cases and a `Cache` over it. Failures are in http-faults.test.ts.
 */
import type { RequestListener } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBackend } from '../../src/backends/http.js';
import {
  decodeEntryFrames,
  decodeValueFrames,
  encodeEntryFrames,
  encodeValueFrames,
  entryPath,
} from '../../src/backends/http-protocol.js';
import { MemoryBackend } from '../../src/backends/memory.js';
import { RedisBackend } from '../../src/backends/redis.js';
import type { CacheBackend } from '../../src/backends/types.js';
import { createCache } from '../../src/cache/cache.js';
import { ValidationError } from '../../src/errors.js';
import {
  backendConformance,
  createHttpBackendServer,
  type HttpBackendServer,
} from '../../src/testing/index.js';
import { fakeClock } from '../helpers/clock.js';
import { describeRedis, uniqueKeyPrefix } from '../helpers/redis.js';
import { startHttpServer } from './http-helpers.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const TOKEN = 'test-token-0123456789';
/**
 * Server and client share this process's event loop, and the conformance suite sends 200 writes
 * at once: a generous deadline per request and per test, so that a loaded CI machine does not
 * turn slowness into failures. Listing uses pages of 100 keys and the listing test writes 300
 * (each one an HTTP request), so paging is exercised without 1200 requests.
 */
const timeoutMs = 15_000;
const keysPageSize = 100;
const conformance = { manyKeys: 300, timeoutMs: 60_000 };
/**
 * The suite's TTL tests are real-time (a 50 ms entry must still be there right after it was
 * written): they run on the batched variant over memory; the other variants skip them, and TTLs
 * through HTTP are also checked on an injected clock below ('the HttpBackend protocol').
 */
const withoutRealTimeTtl = { ...conformance, supportsTtl: false };

/** A reference server over a fresh memory backend, listening until the file's afterAll. */
function serve(backend: CacheBackend = new MemoryBackend()): {
  server: HttpBackendServer;
  url: () => string;
} {
  const server = createHttpBackendServer({ backend, token: TOKEN });
  let url = '';
  beforeAll(async () => {
    url = await server.listen();
  });
  afterAll(async () => {
    await server.close();
    await backend.close();
  });
  return { server, url: () => url };
}

describe('HttpBackend over the reference server (memory)', () => {
  const { url } = serve();
  backendConformance(
    'HttpBackend (batched)',
    () => new HttpBackend({ url: url(), token: TOKEN, timeoutMs, keysPageSize }),
    conformance,
  );
});

describe('HttpBackend over the reference server, one request per key', () => {
  const { url } = serve();
  backendConformance(
    'HttpBackend (batch: false)',
    () => new HttpBackend({ url: url(), token: TOKEN, batch: false, timeoutMs, keysPageSize }),
    withoutRealTimeTtl,
  );
});

describe('HttpBackend over a server without the batch routes', () => {
  const backend = new MemoryBackend();
  const reference = createHttpBackendServer({ backend });
  const seen: string[] = [];
  const withoutBatch: RequestListener = (req, res) => {
    seen.push(`${req.method} ${req.url?.split('?')[0]}`);
    if (req.url?.includes('-many')) res.writeHead(404).end();
    else reference.handler(req, res);
  };
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  beforeAll(async () => {
    server = await startHttpServer(withoutBatch);
  });
  afterAll(async () => {
    await server.close();
  });

  it('falls back to per-key requests after a 404 and stays there', async () => {
    const http = new HttpBackend({ url: server.url });
    await http.setMany([
      { key: 'a', value: bytes('1'), ttlMs: 60_000 },
      { key: 'b', value: bytes('2'), ttlMs: 60_000 },
    ]);
    expect(await http.getMany(['a', 'missing', 'b'])).toEqual([bytes('1'), undefined, bytes('2')]);
    expect(await http.getMany(['b'])).toEqual([bytes('2')]);
    expect(seen.filter((s) => s.includes('-many'))).toEqual(['POST /v1/set-many']);
    expect(seen.filter((s) => s.startsWith('PUT'))).toHaveLength(2);
    await http.close();
  });
});

describeRedis('HttpBackend over the reference server (a real Redis behind it)', (redisUrl) => {
  const redis = new RedisBackend({ url: redisUrl, keyPrefix: uniqueKeyPrefix('http-backend') });
  const { url } = serve(redis);
  // Redis's own expiry is checked by RedisBackend's conformance run.
  backendConformance(
    'HttpBackend -> RedisBackend',
    () => new HttpBackend({ url: url(), token: TOKEN, timeoutMs, keysPageSize }),
    withoutRealTimeTtl,
  );
});

describe('the HttpBackend protocol', () => {
  const { url } = serve();

  describe('TTLs travel as X-TTL-Ms (the server store on an injected clock)', () => {
    const clock = fakeClock();
    const { url: clocked } = serve(new MemoryBackend({ now: clock.now }));

    it('expire, are replaced by an overwrite, and apply to setMany', async () => {
      const http = new HttpBackend({ url: clocked(), token: TOKEN, timeoutMs });
      await http.set('short', bytes('s'), 50);
      await http.set('fractional', bytes('f'), 0.4); // rounded up to 1 ms, never 0
      await http.set('long', bytes('l'), 60_000);
      await http.set('replaced', bytes('r1'), 50);
      await http.set('replaced', bytes('r2'), 60_000);
      await http.setMany([{ key: 'many', value: bytes('m'), ttlMs: 50 }]);
      expect(await http.get('short')).toEqual(bytes('s'));
      expect(await http.has('fractional')).toBe(true);
      clock.advance(51);
      expect(await http.get('short')).toBeUndefined();
      expect(await http.has('fractional')).toBe(false);
      expect(await http.getMany(['many', 'long', 'replaced'])).toEqual([undefined, bytes('l'), bytes('r2')]);
      const keys: string[] = [];
      for await (const key of http.keys()) keys.push(key);
      expect(keys.sort()).toEqual(['long', 'replaced']);
      await http.close();
    });
  });

  it('URL-encodes keys into one path segment; "." and ".." are a ValidationError', async () => {
    expect(entryPath('a/b?c#d %')).toBe('/v1/entries/a%2Fb%3Fc%23d%20%25');
    expect(() => entryPath('..')).toThrow(ValidationError);
    const http = new HttpBackend({ url: url(), token: TOKEN });
    await expect(http.get('.')).rejects.toThrow(ValidationError);
    await http.set('a/../b', bytes('x'), 60_000);
    expect(await http.get('a/../b')).toEqual(bytes('x'));
    expect(await http.get('b')).toBeUndefined();
    await http.close();
  });

  it('frames roundtrip (missing values, empty values, unicode keys, large TTLs)', () => {
    const values = [bytes('one'), undefined, new Uint8Array(0)];
    expect(decodeValueFrames(encodeValueFrames(values), 3)).toEqual(values);
    expect(() => decodeValueFrames(encodeValueFrames(values).subarray(0, 9), 3)).toThrow(RangeError);
    const entries = [
      { key: 'ключ 🔑', value: bytes('v'), ttlMs: 90 * 24 * 3_600_000 },
      { key: '', value: new Uint8Array(0), ttlMs: 1.5 },
    ];
    expect(decodeEntryFrames(encodeEntryFrames(entries))).toEqual(entries);
  });

  it('the server answers the documented statuses', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const at = (path: string, init: RequestInit = {}) =>
      fetch(url() + path, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
    expect((await at('/v1/entries/k')).status).toBe(404);
    expect((await at('/v1/entries/k', { method: 'PUT', body: 'v' })).status).toBe(400); // no X-TTL-Ms
    expect(
      (await at('/v1/entries/k', { method: 'PUT', body: 'v', headers: { 'x-ttl-ms': '60000' } })).status,
    ).toBe(204);
    expect(await (await at('/v1/entries/k')).text()).toBe('v');
    expect((await at('/v1/entries/k', { method: 'HEAD' })).status).toBe(200);
    expect((await at('/v1/keys?prefix=k')).headers.get('content-type')).toBe('application/json');
    expect(await (await at('/v1/keys?prefix=k&limit=10')).json()).toEqual({ keys: ['k'], cursor: null });
    expect((await at('/v1/entries/k', { method: 'DELETE' })).status).toBe(204);
    expect((await at('/v1/entries/k', { method: 'DELETE' })).status).toBe(404);
    expect((await at('/v1/clear', { method: 'GET' })).status).toBe(405);
    expect((await at('/v1/nothing', { method: 'POST' })).status).toBe(404);
    expect((await at('/v1/get-many', { method: 'POST', body: '{"keys": 1}' })).status).toBe(400);
    expect((await fetch(`${url()}/v1/entries/k`)).status).toBe(401);
  });

  it('rejects invalid options, listing every problem', () => {
    const error = (() => {
      try {
        new HttpBackend({ url: 'ftp://user:pw@host', timeoutMs: 0, retries: -1, token: 'two words' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual([
      'retries',
      'timeoutMs',
      'token',
      'url',
      'url',
    ]);
    expect(String((error as Error).message)).not.toContain('pw');
    expect(() => createHttpBackendServer({ backend: undefined as unknown as MemoryBackend })).toThrow(
      ValidationError,
    );
  });
});

describe('a Cache over HttpBackend', () => {
  const { url } = serve();

  it('stores, reads and shares values through the server (two caches, no L1)', async () => {
    const one = createCache({
      backend: new HttpBackend({ url: url(), token: TOKEN }),
      l1: false,
      prefix: 'app',
    });
    const two = createCache({
      backend: new HttpBackend({ url: url(), token: TOKEN }),
      l1: false,
      prefix: 'app',
    });
    await one.set(['user', 1], { name: 'Ada' }, { ttl: '1m' });
    expect(await two.get(['user', 1])).toEqual({ name: 'Ada' });
    let calls = 0;
    const produce = async () => {
      calls++;
      return 'expensive';
    };
    expect(await one.getOrSet('report', produce)).toBe('expensive');
    expect(await two.getOrSet('report', produce)).toBe('expensive');
    expect(calls).toBe(1);
    expect(await two.getMany(['report', 'none', ['user', 1]])).toEqual([
      'expensive',
      undefined,
      { name: 'Ada' },
    ]);
    expect(await one.delete('report')).toBe(true);
    expect(await two.has('report')).toBe(false);
    await one.namespace('tenant').set('x', 1);
    await one.namespace('tenant').clear();
    expect(await two.get(['user', 1])).toEqual({ name: 'Ada' });
    await one.close();
    await two.close();
  });
});
