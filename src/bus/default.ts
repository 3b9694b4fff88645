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
 * The coalescing window of a default bus, in milliseconds: the writes of one millisecond are
 * announced in one message (one `PUBLISH`, not one per `set`), and other processes hear of a
 * write about a millisecond later than without it.
 */
export const DEFAULT_BUS_BATCH_MS = 1;

/**
 * The bus a cache creates when `bus` is not given: a {@link RedisInvalidationBus} on the
 * backend's connection (same client, breaker and shared subscriber; channel
 * `<prefix>:#bus`, as `AIResponseCache` and `CacheFactory` use; publishes coalesced for
 * {@link DEFAULT_BUS_BATCH_MS}) when the backend exposes a
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
    batchMs: DEFAULT_BUS_BATCH_MS,
  });
}
