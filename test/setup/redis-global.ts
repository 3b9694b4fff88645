/**
 * Vitest globalSetup: provides `redisUrl` to every test file.
 *
 * - `REDIS_URL` set: that server is used as is (tests only touch keys under their own unique prefix).
 * - otherwise a throwaway `redis-server` is started on a free loopback port and stopped at the end.
 * - no `redis-server` binary: with `CI=true` the run fails; locally Redis tests are skipped with a
 *   loud warning.
 * - the scale-out and chaos suites start their own servers (Cluster, TLS, Sentinel, a killable
 *   redis-server); this setup only checks their tools (`redis-cli`, `openssl`; `redis-sentinel`
 *   is optional): missing under `CI=true` fails the run, locally it is a loud warning.
 *
 * @module
 */
import type { TestProject } from 'vitest/node';
import { findRedisCliBinary } from '../helpers/redis-cluster.js';
import { findRedisServerBinary, startRedisServer } from '../helpers/redis-server.js';
import { findOpensslBinary } from '../helpers/redis-tls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis server shared by the integration tests; `undefined` when none is available. */
    redisUrl: string | undefined;
  }
}

/** Starts (or locates) the shared Redis server and returns the teardown that stops it. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  checkScaleOutTools();
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    project.provide('redisUrl', fromEnv);
    return undefined;
  }
  if (!findRedisServerBinary()) {
    const message = 'redis-server not found: install redis (or set REDIS_URL / REDIS_SERVER_BIN)';
    if (process.env.CI === 'true') throw new Error(`${message}; Redis integration tests are required in CI.`);
    const bar = '!'.repeat(78);
    console.warn(
      `\n${bar}\n!! WARNING: ${message}.\n!! Every Redis integration test will be SKIPPED.\n${bar}\n`,
    );
    project.provide('redisUrl', undefined);
    return undefined;
  }
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  return async () => {
    await server.stop();
  };
}

/** Fails under `CI=true` (warns loudly otherwise) when a tool of the scale-out suites is missing. */
function checkScaleOutTools(): void {
  const missing = [
    findRedisServerBinary() ? '' : 'redis-server (Cluster, TLS, Sentinel and chaos suites)',
    findRedisCliBinary() ? '' : 'redis-cli (Cluster suite)',
    findOpensslBinary() ? '' : 'openssl (TLS suite)',
  ].filter(Boolean);
  if (missing.length === 0) return;
  const message = `not found: ${missing.join('; ')}`;
  if (process.env.CI === 'true')
    throw new Error(`${message}. These suites are required in CI (.ci/run installs them).`);
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! WARNING: ${message}.\n!! Those suites will be SKIPPED.\n${bar}\n`);
}
