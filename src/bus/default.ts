/**
 * The bus a cache sets up by itself when none is given: one on its backend's own Redis
 * connection.
 *
 * @module
 */
import type { CacheBackend } from '../backends/types.js';
import { RedisConnection } from '../redis/connection.js';
import { RedisInvalidationBus } from './redis-bus.js';
import type { InvalidationBus } from './types.js';

/**
 * The bus a cache creates when `bus` is not given: a {@link RedisInvalidationBus} on the
 * backend's connection (same client, breaker and shared subscriber; channel
 * `<prefix>:#bus`, as `AIResponseCache` and `CacheFactory` use) when the backend exposes a
 * {@link RedisConnection} as `connection` (a `RedisBackend`, or any backend built on one);
 * `undefined` for other backends.
 */
export function defaultBus(backend: CacheBackend | undefined, prefix: string): InvalidationBus | undefined {
  const connection = (backend as { connection?: unknown } | undefined)?.connection;
  if (!(connection instanceof RedisConnection)) return undefined;
  return new RedisInvalidationBus({
    client: connection.client,
    channel: `${prefix}:#bus`,
    commandTimeoutMs: connection.commandTimeoutMs,
  });
}
