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

/** Longest delay a Node timer accepts. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Whether `promise` fulfilled within `ms` milliseconds; its rejection passes through. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.min(ms, MAX_TIMER_MS));
  });
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

const noop = (): void => {};

/**
 * Closes a connection this library owns: `QUIT` when it is ready (pending replies arrive
 * first), then a hard disconnect if it has not ended within `timeoutMs`. The caller's `error`
 * listener should stay attached, so that a late socket error is not "Unhandled".
 */
export async function closeOwnedClient(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    if (client.status === 'end') resolve();
    else client.once('end', () => resolve());
  });
  if (client.status === 'ready') {
    client.quit().catch(noop);
    if (await within(ended, timeoutMs).catch(() => false)) return;
  }
  // Only a live socket emits 'end' after disconnect(); while reconnecting there is none
  // (disconnect() just cancels the pending reconnection).
  const socketOpen =
    client.status === 'connecting' || client.status === 'connect' || client.status === 'ready';
  if (client.status !== 'end') client.disconnect();
  if (socketOpen) await within(ended, timeoutMs).catch(noop);
}
