/**
 * An Express app whose responses are cached (`ai-response-cache/http`), with a graceful
 * shutdown on SIGTERM / SIGINT: stop accepting connections, let in-flight requests finish,
 * then `cache.close()` (which closes the Redis connections the cache owns).
 *
 *   PORT=3000 npx tsx examples/express-shutdown.ts       # REDIS_URL=redis://... for Redis
 *   curl -i localhost:3000/report?id=1                   # X-Cache: MISS, then HIT
 */
import type { ServerResponse } from 'node:http';
import express from 'express';
import { createCache, MemoryBackend, RedisBackend } from '../src/index.js';
import { cacheResponses } from '../src/integrations/http/index.js';

const backend = process.env.REDIS_URL
  ? new RedisBackend({ url: process.env.REDIS_URL })
  : new MemoryBackend();
const cache = createCache({ prefix: process.env.CACHE_PREFIX ?? 'express-example', backend, ttl: '5m' });
await cache.connect();
const http = cacheResponses(cache, { ttl: '1m' });

const app = express();
// While shutting down, responses close their connection (an idle keep-alive one would hold server.close()).
const inFlight = new Set<ServerResponse>();
app.use((_req, res, next) => {
  inFlight.add(res);
  res.on('close', () => inFlight.delete(res));
  next();
});
app.use(express.json());
app.use(http.express()); // every GET / HEAD route; per route: app.get(path, http.express({ ttl }), handler)

let reports = 0;
app.get('/report', async (req, res) => {
  const ms = Math.min(Number(req.query.ms ?? 0), 5_000);
  console.log(`report ${String(req.query.id)} started`);
  await new Promise((resolve) => setTimeout(resolve, ms)); // slow work, e.g. an LLM call
  reports++;
  res.json({ id: req.query.id, report: `report #${reports}` });
});
app.get('/healthz', (_req, res) => {
  res.set('cache-control', 'no-store').json({ ok: true, cache: cache.stats().hitRatio });
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : process.env.PORT;
  console.log(`listening on http://127.0.0.1:${port} (pid ${process.pid})`);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  // 1. Stop accepting connections; idle keep-alive connections are closed, busy ones finish.
  const closed = new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
  server.closeIdleConnections();
  for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
  console.log(`${signal}: shutting down`);
  // 2. Wait for the in-flight requests (a deadline in case a client never finishes).
  const deadline = setTimeout(() => server.closeAllConnections(), 10_000);
  await closed;
  clearTimeout(deadline);
  // 3. Release the cache (and the Redis connections it owns).
  await cache.close();
  console.log('cache closed');
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    shutdown(signal).then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exitCode = 1;
      },
    );
  });
}
