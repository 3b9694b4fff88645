/**
 * Helpers for Redis integration tests.
 *
 * Tests declared inside {@link describeRedis} / {@link describeOwnRedisServer} carry
 * `meta.redisServer = true`; `test/setup/redis-reporter.ts` counts them.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { describe, inject, it } from 'vitest';
import { findRedisServerBinary } from './redis-server.js';

declare module 'vitest' {
  interface TaskMeta {
    /** Set on tests that talk to a real redis-server (see `describeRedis`). */
    redisServer?: boolean;
  }
}

/** URL of the shared Redis server provided by `test/setup/redis-global.ts`, if any. */
export const redisUrl: string | undefined = inject('redisUrl');

/** Whether tests can spawn their own `redis-server` (needed to stop / pause a server). */
export const canSpawnRedisServer: boolean = findRedisServerBinary() !== undefined;

/** A key prefix no other test (or run) uses, so `clear()` stays inside its own keys. */
export function uniqueKeyPrefix(label = 'test'): string {
  return `arc-test:${label}:${randomUUID()}:`;
}

/**
 * `describe` for tests against the shared Redis server; `fn` receives its URL. Skipped (with
 * the reason in its name) when no server is available.
 */
export function describeRedis(name: string, fn: (url: string) => void): void {
  const url = redisUrl;
  describe.skipIf(url === undefined)(
    url === undefined ? `${name} (no redis-server)` : name,
    { meta: { redisServer: true } },
    () => {
      fn(url ?? '');
    },
  );
}

/**
 * `describe` for tests that start their own `redis-server` (to stop or pause it). Skipped
 * when the binary is missing — except under `CI=true`, where that is a failing test.
 */
export function describeOwnRedisServer(name: string, fn: () => void): void {
  if (!canSpawnRedisServer && process.env.CI === 'true') {
    describe(name, () => {
      it('needs a redis-server binary', () => {
        throw new Error('redis-server binary not found: Redis failure tests are required in CI');
      });
    });
    return;
  }
  describe.skipIf(!canSpawnRedisServer)(
    canSpawnRedisServer ? name : `${name} (no redis-server)`,
    { meta: { redisServer: true } },
    fn,
  );
}

/** A Cache `prefix` (one segment, no `:`) no other test or run uses. */
export function uniqueCachePrefix(label = 'test'): string {
  return `arc-${label}-${randomUUID().slice(0, 12)}`;
}

/**
 * Redis clients and closable things (locks, buses, ...) made by a test, released by
 * `dispose()`: closables first, then the clients. Clients swallow `error` events (tests that
 * stop servers expect them).
 */
export function redisResources(url: () => string, clientOptions: RedisOptions = {}) {
  const clients: Redis[] = [];
  const closables: { close(): Promise<void> }[] = [];
  return {
    client(options: RedisOptions = {}): Redis {
      const client = new Redis(url(), { ...clientOptions, ...options });
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
    track<T extends { close(): Promise<void> }>(closable: T): T {
      closables.push(closable);
      return closable;
    },
    async dispose(): Promise<void> {
      await Promise.all(closables.splice(0).map((c) => c.close()));
      for (const client of clients.splice(0)) client.disconnect();
    },
  };
}
