/**
 * Small helpers shared by everything that talks to an ioredis client (the Redis backend, the
 * distributed lock, the invalidation bus).
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';

/** Whether `client` is an ioredis `Cluster`. */
export function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: unknown }).isCluster === true;
}

/** `host:port` (or socket / sentinel / cluster) of a client: never credentials. */
export function describeTarget(client: Redis | Cluster): string {
  if (isCluster(client)) return 'redis cluster';
  const options = (client as Partial<Redis>).options;
  if (!options) return 'redis';
  const { host, port, path, sentinels, name } = options;
  if (path) return `unix:${path}`;
  if (sentinels && sentinels.length > 0) return `sentinel master "${name ?? ''}"`;
  return `${host ?? '127.0.0.1'}:${port ?? 6379}`;
}

/**
 * A copy of an ioredis error without its `command`, whose arguments can hold keys, values or
 * an AUTH password: only the message, name and code survive.
 */
export function sanitize(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const copy = new Error(error.message);
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

/** Whether `value` is an object with a `method` function (duck typing of a client). */
export function isClientLike(value: unknown, method: string): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)[method] === 'function'
  );
}
