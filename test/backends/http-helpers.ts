/** A plain `node:http` server on a free loopback port, for the HttpBackend tests. */
import { createServer, type RequestListener, type Server } from 'node:http';
import { findFreePort } from '../helpers/redis-server.js';

/** A started server: its base URL and port, and `close()` (also drops open connections). */
export interface StartedHttpServer {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts `handler` on `port` (a free one by default) on 127.0.0.1. */
export async function startHttpServer(handler: RequestListener, port?: number): Promise<StartedHttpServer> {
  const chosen = port ?? (await findFreePort());
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(chosen, '127.0.0.1', () => resolve());
  });
  return {
    server,
    port: chosen,
    url: `http://127.0.0.1:${chosen}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
