/**
 * Closing ioredis clients fast: never waiting on a down or hung server, never leaving
 * ioredis' 2 s "disconnect timeout" timer (or a half-closed socket) behind.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import { isCluster, noop } from './target.js';

/** Longest wait, in milliseconds, for the reply to `QUIT` when closing a ready client. */
export const QUIT_GRACE_MS = 50;

interface WithStream {
  stream?: { destroy?: () => void; destroyed?: boolean };
  /** ioredis' connector: `disconnect()` arms a `disconnectTimeout` (2 s) timer on its stream. */
  connector?: { disconnectTimeout?: unknown };
}

/** Every standalone connection of a client (the nodes of a Cluster). */
function connectionsOf(client: Redis | Cluster): WithStream[] {
  if (!isCluster(client)) return [client as unknown as WithStream];
  try {
    return client.nodes('all') as unknown as WithStream[];
  } catch {
    return [];
  }
}

/** Longest wait, in milliseconds, for `end` after the sockets were destroyed. */
const END_GRACE_MS = 20;

/**
 * Disconnects at once: cancels reconnection, then destroys the sockets, so that no timer and
 * no half-open socket keeps the process alive. Resolves once the client reports `end` (within
 * a few milliseconds; at once when no socket was open). Safe on any status; idempotent.
 */
export function hardClose(client: Redis | Cluster): Promise<void> {
  const live = client.status === 'connecting' || client.status === 'connect' || client.status === 'ready';
  const ended = live ? waitForEnd(client) : Promise.resolve();
  const connections = connectionsOf(client);
  for (const connection of connections) {
    // disconnect() ends the socket and arms a ref'd timer to destroy it after
    // `disconnectTimeout`; on a socket that is already closed (reconnecting) nothing ever
    // clears it, so the process would stay alive for 2 s. We destroy the sockets ourselves.
    const connector = connection.connector;
    if (connector && typeof connector.disconnectTimeout === 'number') connector.disconnectTimeout = 0;
  }
  try {
    if (client.status !== 'end') client.disconnect();
  } catch {
    // Already closing.
  }
  for (const connection of connections) {
    const stream = connection.stream;
    // ioredis ends the socket and destroys it after `disconnectTimeout` (2 s) only: on a hung
    // server the socket would stay half-open and keep the event loop alive until then.
    if (stream && !stream.destroyed) stream.destroy?.();
  }
  return ended;
}

/** Resolves on the client's `end`, or after {@link END_GRACE_MS} (an `unref()`ed timer). */
function waitForEnd(client: Redis | Cluster): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, END_GRACE_MS);
    timer.unref();
    function done(): void {
      clearTimeout(timer);
      client.off('end', done);
      resolve();
    }
    client.once('end', done);
  });
}

/**
 * Closes a client this library owns: `QUIT` when it is ready (pending replies arrive first),
 * waiting at most `graceMs` for the server to close the connection, then {@link hardClose}.
 * The caller's `error` listener should stay attached, so that a late socket error is not
 * "Unhandled".
 */
export async function closeOwned(
  client: Redis | Cluster,
  ready: boolean,
  graceMs = QUIT_GRACE_MS,
): Promise<void> {
  if (ready && client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<void>((resolve) => {
      client.once('end', resolve);
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    client.quit().catch(noop);
    await ended;
    clearTimeout(timer);
  }
  await hardClose(client);
}
