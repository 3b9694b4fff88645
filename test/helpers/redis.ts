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
import { findRedisCliBinary } from './redis-cluster.js';
import { findRedisServerBinary } from './redis-server.js';
import { findOpensslBinary } from './redis-tls.js';

/** The kinds of Redis server a test can run against (counted apart by the reporter). */
export type RedisServerKind = 'standalone' | 'cluster' | 'tls' | 'sentinel' | 'chaos';

declare module 'vitest' {
  interface TaskMeta {
    /** Set on tests that talk to a real redis-server (see `describeRedis`). */
    redisServer?: boolean;
    /** Which kind of server (absent: `standalone`); see {@link describeRedisKind}. */
    redisKind?: RedisServerKind;
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

/** The binaries each server kind needs (beyond Node). */
const requiredBinaries: Record<
  Exclude<RedisServerKind, 'standalone'>,
  Record<string, () => string | undefined>
> = {
  cluster: { 'redis-server': findRedisServerBinary, 'redis-cli': findRedisCliBinary },
  tls: { 'redis-server': findRedisServerBinary, openssl: findOpensslBinary },
  // redis-sentinel is optional: `redis-server --sentinel` is the same program.
  sentinel: { 'redis-server': findRedisServerBinary },
  chaos: { 'redis-server': findRedisServerBinary },
};

/** The binaries missing for `kind` (empty when its tests can run). */
export function missingBinaries(kind: Exclude<RedisServerKind, 'standalone'>): string[] {
  return Object.entries(requiredBinaries[kind])
    .filter(([, find]) => find() === undefined)
    .map(([name]) => name);
}

/**
 * `describe` for tests that start their own servers of one kind (a Cluster, a TLS server,
 * Sentinel, or a redis-server the chaos suite kills). Its tests carry `meta.redisKind = kind`
 * (and `meta.redisServer`), so the reporter counts them per kind. When a binary is missing, the
 * block is skipped with a loud warning — except under `CI=true`, where that is a failing test.
 */
export function describeRedisKind(
  kind: Exclude<RedisServerKind, 'standalone'>,
  name: string,
  fn: () => void,
): void {
  const missing = missingBinaries(kind);
  if (missing.length > 0 && process.env.CI === 'true') {
    describe(name, { meta: { redisServer: true, redisKind: kind } }, () => {
      it(`needs ${missing.join(', ')}`, () => {
        throw new Error(`${missing.join(', ')} not found: the ${kind} tests are required in CI`);
      });
    });
    return;
  }
  if (missing.length > 0) {
    console.warn(`!! WARNING: ${missing.join(', ')} not found: the ${kind} tests "${name}" are SKIPPED`);
  }
  describe.skipIf(missing.length > 0)(
    missing.length > 0 ? `${name} (no ${missing.join(', ')})` : name,
    { meta: { redisServer: true, redisKind: kind } },
    fn,
  );
}
