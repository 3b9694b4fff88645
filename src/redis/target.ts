/**
 * Small, dependency-free helpers about ioredis clients: what kind of client it is, where it
 * points (never with credentials), and error copies that carry no command arguments.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';

/** Longest delay a Node timer accepts. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Does nothing (swallows a rejection). */
export const noop = (): void => {};

/** Whether `client` is an ioredis `Cluster`. */
export function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: unknown }).isCluster === true;
}

/** `host:port` (or socket / sentinel / cluster) of a client: never credentials. */
export function describeTarget(client: Redis | Cluster): string {
  if (isCluster(client)) {
    const nodes = (client as unknown as { startupNodes?: unknown }).startupNodes;
    const first = Array.isArray(nodes) ? describeNode(nodes[0]) : undefined;
    return first ? `redis cluster (${first}, ...)` : 'redis cluster';
  }
  const options = (client as Partial<Redis>).options;
  if (!options) return 'redis';
  const { host, port, path, sentinels, name } = options;
  if (path) return `unix:${path}`;
  if (sentinels && sentinels.length > 0) return `sentinel master "${name ?? ''}"`;
  return `${host ?? '127.0.0.1'}:${port ?? 6379}`;
}

/** `host:port` of one Cluster startup node (a port, a URL or `{ host, port }`), credentials dropped. */
function describeNode(node: unknown): string | undefined {
  if (typeof node === 'number') return `127.0.0.1:${node}`;
  if (typeof node === 'string') {
    try {
      const url = new URL(node.includes('://') ? node : `redis://${node}`);
      return `${url.hostname}:${url.port || 6379}`;
    } catch {
      return undefined;
    }
  }
  if (typeof node === 'object' && node !== null) {
    const { host, port } = node as { host?: unknown; port?: unknown };
    return `${typeof host === 'string' ? host : '127.0.0.1'}:${typeof port === 'number' ? port : 6379}`;
  }
  return undefined;
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
