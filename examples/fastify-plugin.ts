/**
 * A Fastify app wired with the library's plugin `fastifyCache` (`ai-response-cache/http`): it
 * decorates the instance with the cache (`app.cache`), caches responses (`responses`), and
 * closes the cache when the app closes (`onClose`). SIGTERM / SIGINT close the app gracefully:
 * Fastify stops accepting, finishes in-flight requests, runs `onClose`.
 *
 *   PORT=3000 npx tsx examples/fastify-plugin.ts          # REDIS_URL=redis://... for Redis
 *   curl -i localhost:3000/answer?q=hello                 # X-Cache: MISS, then HIT
 */
import Fastify from 'fastify';
import { type Cache, createCache, MemoryBackend, RedisBackend } from '../src/index.js';
import { fastifyCache } from '../src/integrations/http/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The cache decorated by `fastifyCache`. */
    cache: Cache;
  }
}

const backend = process.env.REDIS_URL
  ? new RedisBackend({ url: process.env.REDIS_URL })
  : new MemoryBackend();
const cache = createCache({ prefix: process.env.CACHE_PREFIX ?? 'fastify-example', backend, ttl: '5m' });

const app = Fastify();
await app.register(fastifyCache, { cache, responses: { ttl: '1m', post: true } });

let answers = 0;
app.get('/answer', async (request) => {
  const { q, ms } = request.query as { q?: string; ms?: string };
  console.log(`answer ${q ?? ''} started`);
  await new Promise((resolve) => setTimeout(resolve, Math.min(Number(ms ?? 0), 5_000)));
  answers++;
  return { q, answer: `answer #${answers}` };
});
// While shutting down, in-flight responses close their connection (keep-alive would hold app.close()).
let closing = false;
app.addHook('onSend', async (_request, reply, payload) => {
  if (closing) reply.header('connection', 'close');
  return payload;
});
// The decorated cache, used directly; this route is not cached.
app.get('/stats', { config: { cache: false } }, async () => app.cache.stats());

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`listening on ${address} (pid ${process.pid})`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    closing = true;
    console.log(`${signal}: shutting down`);
    // Stops accepting, finishes in-flight requests, then runs onClose (fastifyCache closes the cache).
    app.close().then(
      () => {
        console.log('app closed, cache closed');
        process.exitCode = 0;
      },
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exitCode = 1;
      },
    );
  });
}
