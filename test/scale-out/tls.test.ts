/**
 * The Redis layer over TLS with AUTH, against a real TLS-only redis-server with `requirepass`
 * started by the test (certificates made with openssl: see `test/helpers/redis-tls.ts`),
 * reached with `rediss://:password@127.0.0.1:P`.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { createCache } from '../../src/cache/cache.js';
import { AIResponseCache, type CacheEvent, InfrastructureError } from '../../src/index.js';
import { backendConformance } from '../../src/testing/index.js';
import { describeRedisKind, uniqueCachePrefix, uniqueKeyPrefix } from '../helpers/redis.js';
import { startTlsRedisServer, type TlsRedisServerHandle } from '../helpers/redis-tls.js';

/** Everything an error exposes (message, context, cause chain), as one string. */
function everythingIn(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '');
      const context = (current as { context?: unknown }).context;
      if (context !== undefined) parts.push(JSON.stringify(context));
      current = (current as { cause?: unknown }).cause;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  return parts.join('\n');
}

describeRedisKind('tls', 'TLS + AUTH redis-server (rediss:// with a password)', () => {
  let tls: TlsRedisServerHandle;
  const closables: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(closable: T): T => {
    closables.push(closable);
    return closable;
  };

  beforeAll(async () => {
    tls = await startTlsRedisServer();
  }, 60_000);

  afterEach(async () => {
    await Promise.all(closables.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await tls?.stop();
  });

  backendConformance(
    'RedisBackend over rediss:// with a password',
    () =>
      new RedisBackend({
        url: tls.url,
        redis: { tls: { ca: tls.certificates.ca } },
        keyPrefix: uniqueKeyPrefix('tls-conf'),
        scanCount: 100,
      }),
    { manyKeys: 600 },
  );

  it('the server refuses plain TCP and unauthenticated commands (the setup is what it claims)', async () => {
    const noAuth = new Redis(tls.urlWithoutPassword, {
      tls: { ca: tls.certificates.ca },
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    noAuth.on('error', () => {});
    try {
      await noAuth.connect().catch(() => {});
      await expect(noAuth.get('x')).rejects.toThrow(/NOAUTH/);
    } finally {
      noAuth.disconnect();
    }
    const plain = new Redis({
      host: '127.0.0.1',
      port: tls.port,
      password: tls.password,
      lazyConnect: true,
      connectTimeout: 1000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    plain.on('error', () => {});
    try {
      await expect(plain.connect().then(() => plain.ping())).rejects.toBeDefined();
    } finally {
      plain.disconnect();
    }
  });

  it('createCache over TLS: set / get / getOrSet / tags / clear round trip', async () => {
    const backend = track(new RedisBackend({ url: tls.url, redis: { tls: { ca: tls.certificates.ca } } }));
    const cache = track(createCache({ prefix: uniqueCachePrefix('tls-cache'), backend, l1: false }));
    await cache.connect();
    const value = { text: 'über TLS ✓', n: [1, 2, 3], big: 'x'.repeat(5000) };
    await cache.set('k', value, { tags: ['t'] });
    expect(await cache.get('k')).toEqual(value);
    expect(await cache.getOrSet('p', () => 'made')).toBe('made');
    expect(await cache.getOrSet('p', () => 'again')).toBe('made');
    await cache.invalidateTags(['t']);
    expect(await cache.get('k')).toBeUndefined();
    await cache.clear();
    expect(await cache.get('p')).toBeUndefined();
    expect(backend.status).toBe('ready');
  });

  it('AIResponseCache over rediss:// (config: url + tls.caPath): answers are stored in Redis and read back', async () => {
    const prefix = uniqueCachePrefix('tls-ai');
    const request = { text: 'Summarize the TLS handshake', operation: 'summarize', options: { model: 'm' } };
    const writer = track(
      new AIResponseCache({ redis: { url: tls.url, tls: { caPath: tls.certificates.caPath } }, prefix }),
    );
    await writer.connect();
    const errors: CacheEvent[] = [];
    writer.cache.on('error', (event) => errors.push(event));
    await writer.cacheResponse({ ...request, response: { summary: 'hello, encrypted' } });
    // A second instance (its own empty L1) must read it from Redis, over TLS.
    const reader = track(
      new AIResponseCache({ redis: { url: tls.url, tls: { caPath: tls.certificates.caPath } }, prefix }),
    );
    await reader.connect();
    expect(await reader.getResponse(request)).toEqual({ summary: 'hello, encrypted' });
    const stats = reader.stats();
    expect(stats.backend).toBe('redis');
    expect(stats.l2Hits).toBe(1);
    expect(stats.degraded).toBe(false);
    expect(errors).toEqual([]);
  });

  it('a wrong password is a clear InfrastructureError that contains no password', async () => {
    const wrong = `wrong-${tls.password.slice(3)}`;
    const backend = track(
      new RedisBackend({
        url: `rediss://:${wrong}@127.0.0.1:${tls.port}`,
        redis: { tls: { ca: tls.certificates.ca } },
        connectTimeoutMs: 3000,
      }),
    );
    const error = await backend.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InfrastructureError);
    const text = everythingIn(error);
    expect((error as Error).message).toMatch(/WRONGPASS|invalid (username-)?password|auth/i);
    expect((error as Error).message).toContain(`127.0.0.1:${tls.port}`);
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(tls.password);
  });

  it('a wrong password through createCache({ failOnConnectionError }) and AIResponseCache: no password anywhere', async () => {
    const wrong = `bad-${tls.password.slice(4)}`;
    const url = `rediss://:${wrong}@127.0.0.1:${tls.port}`;
    const cache = track(
      createCache({
        prefix: uniqueCachePrefix('tls-wrong'),
        backend: track(
          new RedisBackend({ url, redis: { tls: { ca: tls.certificates.ca } }, connectTimeoutMs: 3000 }),
        ),
        failOnConnectionError: true,
      }),
    );
    const error = await cache.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(everythingIn(error)).not.toContain(wrong);

    // Without failOnConnectionError the AI cache degrades (never throws); its events carry no password.
    const ai = track(
      new AIResponseCache({
        redis: {
          url,
          tls: { caPath: tls.certificates.caPath },
          connectTimeoutMs: 2000,
          commandTimeoutMs: 200,
        },
        prefix: uniqueCachePrefix('tls-wrong-ai'),
      }),
    );
    const events: CacheEvent[] = [];
    ai.cache.on('error', (event) => events.push(event));
    ai.cache.on('degraded', (event) => events.push(event));
    await ai.connect();
    const request = { text: 'q', operation: 'qa' };
    await ai.cacheResponse({ ...request, response: 'a' });
    expect(await ai.getResponse(request)).toBe('a'); // served by L1 or the memory fallback
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      const text = `${JSON.stringify(event.detail ?? {})}\n${everythingIn(event.error)}`;
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(tls.password);
    }
  });

  it('a client that does not trust the CA fails with an InfrastructureError (certificate), not a hang', async () => {
    const backend = track(new RedisBackend({ url: tls.url, connectTimeoutMs: 3000 }));
    const error = await backend.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toMatch(/certificate|self.signed|verify/i);
    expect(everythingIn(error)).not.toContain(tls.password);
  });
});
