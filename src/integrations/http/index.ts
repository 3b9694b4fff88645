/**
 * `ai-response-cache/http`: HTTP response caching over a {@link Cache}, as an Express
 * middleware, a Fastify plugin and a wrapper of fetch-style handlers, sharing one core.
 *
 * ```ts
 * import { createCache } from 'ai-response-cache';
 * import { cacheResponses } from 'ai-response-cache/http';
 *
 * const http = cacheResponses(createCache({ prefix: 'web' }), { ttl: '5m' });
 * app.use(http.express());                                 // Express
 * await fastify.register(http.fastify, { ttl: '1m' });     // Fastify
 * export const GET = http.fetch(async (req) => Response.json(await load(req))); // Hono, Next.js
 * ```
 *
 * @module
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Cache } from '../../index.js';
import { HttpCacheEngine } from './engine.js';
import { type ExpressMiddleware, expressMiddleware } from './express.js';
import { fastifyResponsePlugin } from './fastify.js';
import { type FetchHandler, fetchWrapper } from './fetch.js';
import type { HttpCacheOptions, HttpRouteOptions } from './types.js';

export { strongEtag } from './entry.js';
export type { ExpressLikeRequest, ExpressMiddleware } from './express.js';
export { type FastifyCacheOptions, fastifyCache } from './fastify.js';
export type { FetchHandler } from './fetch.js';
export { parseCacheControl } from './policy.js';
export { DEFAULT_MAX_BODY_BYTES } from './recording.js';
export type {
  HttpCacheEntry,
  HttpCacheOptions,
  HttpCacheStatus,
  HttpRequestInfo,
  HttpRouteOptions,
  StoredResponse,
  VaryMarker,
} from './types.js';

/** The three adapters of one HTTP cache (see {@link cacheResponses}). */
export interface HttpResponseCache {
  /** The cache entries are stored in. */
  readonly cache: Cache;
  /**
   * An Express middleware: `app.use(http.express())` for every route, or per route
   * `app.get('/path', http.express({ ttl: '1m' }), handler)` (a request is handled once even
   * when both apply). `post: true` needs a body parser before it.
   */
  express(options?: HttpRouteOptions): ExpressMiddleware;
  /**
   * A Fastify plugin (not encapsulated: it applies to every route of the app):
   * `await app.register(http.fastify, { ttl: '1m' })`; per route `config: { cache: { ... } }`
   * adds options and `config: { cache: false }` turns caching off.
   */
  readonly fastify: FastifyPluginAsync<HttpRouteOptions>;
  /** Wraps a fetch-style handler (`(request: Request) => Response`), with a route's options. */
  fetch<A extends unknown[]>(handler: FetchHandler<A>, options?: HttpRouteOptions): FetchHandler<A>;
}

/**
 * HTTP response caching over `cache` with `options` as every route's defaults: GET and HEAD
 * (HEAD from a GET entry), POST when `post` is set; keys from the method, path, sorted query and
 * the `Vary` headers; `Cache-Control` honoured on requests and responses; ETags and
 * `If-None-Match`; `X-Cache: HIT | MISS | STALE` and `Age`; concurrent identical requests wait
 * for one handler call; SSE responses recorded and replayed.
 *
 * @throws {ValidationError} when an option is invalid (every problem listed).
 */
export function cacheResponses(cache: Cache, options: HttpCacheOptions = {}): HttpResponseCache {
  const engine = new HttpCacheEngine(cache, options);
  return {
    cache,
    express: (route) => expressMiddleware(engine, route),
    fastify: fastifyResponsePlugin(engine),
    fetch: (handler, route) => fetchWrapper(engine, handler, route),
  };
}
