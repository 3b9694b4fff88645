/**
 * Fastify (5) plugins: response caching (`app.register(http.fastify, routeOptions)`, per route
 * `config: { cache: { ttl: '1m' } }` or `config: { cache: false }`), and {@link fastifyCache},
 * which decorates the instance with a cache and closes it `onClose`.
 *
 * @module
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Cache } from '../../index.js';
import { stableStringify } from '../../index.js';
import { HttpCacheEngine } from './engine.js';
import { strongEtag } from './entry.js';
import { bodyBytes, forwardNode, listOf, nodeRequestInfo, releaseNode, writeNode } from './node.js';
import type { Recording } from './recording.js';
import type { HttpCacheOptions, HttpRouteOptions } from './types.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Response caching options of this route (`ai-response-cache/http`), or `false` for none. */
    cache?: HttpRouteOptions | false;
  }
}

/** Marks a plugin as not encapsulated, as `fastify-plugin` does: its hooks apply to the whole app. */
function shared<T extends FastifyPluginAsync<never>>(plugin: T, name: string): T {
  const p = plugin as unknown as Record<symbol, unknown>;
  p[Symbol.for('skip-override')] = true;
  p[Symbol.for('fastify.display-name')] = name;
  return plugin;
}

/** Recordings in progress (for the ETag of a MISS, set in `onSend`). */
const recordings = new WeakMap<object, Recording>();

/** Adds the hooks of response caching with `defaults` to `app`. */
function addHooks(
  app: Parameters<FastifyPluginAsync>[0],
  engine: HttpCacheEngine,
  defaults: HttpRouteOptions,
): void {
  const routes = new WeakMap<object, HttpRouteOptions>();
  const routeOf = (request: FastifyRequest): HttpRouteOptions | undefined => {
    const config = request.routeOptions.config;
    if (config.cache === false) return undefined;
    if (config.cache === undefined) return defaults;
    let route = routes.get(config.cache);
    if (!route) {
      route = engine.route({ ...defaults, ...config.cache });
      routes.set(config.cache, route);
    }
    return route;
  };

  app.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply) => {
    const route = routeOf(request);
    if (!route) return Promise.resolve();
    return new Promise<FastifyReply | undefined>((resolve, reject) => {
      let done = false;
      const proceed = (value: FastifyReply | undefined) => {
        if (done) return;
        done = true;
        resolve(value);
      };
      engine
        .serve(
          {
            request: nodeRequestInfo(request.raw),
            body: () => bodyBytes(request.body, stableStringify),
            forward: (recording) => {
              recordings.set(request.raw, recording);
              return forwardNode(reply.raw, recording, () => proceed(undefined));
            },
            send: (out) => {
              if (done) {
                writeNode(reply.raw, out); // stale after a failure: Fastify has answered already
                return;
              }
              const headers: Record<string, string | string[]> = {};
              for (const [name, value] of out.headers) {
                const prev = headers[name];
                headers[name] =
                  prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
              }
              reply.code(out.status).headers(headers);
              reply.send(
                out.body ? Buffer.from(out.body.buffer, out.body.byteOffset, out.body.byteLength) : undefined,
              );
              proceed(reply);
            },
            pass: () => proceed(undefined),
            release: (failure) => {
              if (!releaseNode(failure)) throw failure;
            },
          },
          route,
        )
        .then(
          () => proceed(undefined),
          (error: unknown) => {
            if (!done) {
              done = true;
              reject(error);
            }
          },
        );
    });
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const recording = recordings.get(request.raw);
    if (!recording || recording.decided || reply.hasHeader('etag')) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const headers = listOf(reply.getHeaders());
    if (recording.preview(reply.statusCode, headers).store)
      reply.header('etag', strongEtag(Buffer.from(payload)));
    return payload;
  });
}

/** The response caching plugin of `engine` (see {@link HttpResponseCache.fastify}). */
export function fastifyResponsePlugin(engine: HttpCacheEngine): FastifyPluginAsync<HttpRouteOptions> {
  return shared(async (app, options) => {
    const {
      prefix: _prefix,
      logLevel: _logLevel,
      ...route
    } = options as HttpRouteOptions & {
      prefix?: string;
      logLevel?: string;
    };
    addHooks(app, engine, engine.route(route));
  }, 'ai-response-cache/http');
}

/** Options of {@link fastifyCache}. */
export interface FastifyCacheOptions {
  /** The cache to expose (and to close with the app). */
  cache: Cache;
  /** The name the instance is decorated with (`app.cache`), or `false` for none. @default 'cache' */
  decorate?: string | false;
  /** Whether `app.close()` closes the cache (`onClose`). @default true */
  close?: boolean;
  /** Also cache responses, with these options. @default false (no response caching) */
  responses?: HttpCacheOptions | false;
}

/**
 * Wires a cache into a Fastify app: `app.register(fastifyCache, { cache })` decorates the
 * instance (`app.cache`), closes the cache on `onClose`, and with `responses` caches responses.
 * Not encapsulated, so the decoration and the hooks apply to the whole app.
 */
export const fastifyCache: FastifyPluginAsync<FastifyCacheOptions> = shared(async (app, options) => {
  const { cache, decorate = 'cache', close = true, responses = false } = options;
  if (decorate !== false) app.decorate(decorate, cache);
  if (close) app.addHook('onClose', async () => cache.close());
  if (responses !== false) {
    const engine = new HttpCacheEngine(cache, responses);
    addHooks(app, engine, engine.route(undefined));
  }
}, 'ai-response-cache/fastify-cache');
