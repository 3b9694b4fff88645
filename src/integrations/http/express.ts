/**
 * The Express (4 and 5) middleware: `app.use(http.express())`, or per route
 * `app.get('/path', http.express({ ttl: '1m' }), handler)`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stableStringify } from '../../index.js';
import type { HttpCacheEngine } from './engine.js';
import { bodyBytes, forwardNode, nodeRequestInfo, releaseNode, writeNode } from './node.js';
import type { HttpRouteOptions } from './types.js';

/** The request an Express middleware receives (only what the cache reads). */
export interface ExpressLikeRequest extends IncomingMessage {
  /** The URL before routers stripped their mount paths. */
  originalUrl?: string;
  /** The parsed body (`express.json()`, `express.raw()`, `express.text()`), for `post: true`. */
  body?: unknown;
}

/** An Express middleware (`(req, res, next)`), typed structurally so `@types/express` is not needed. */
export type ExpressMiddleware = (
  req: ExpressLikeRequest,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/** Requests already handled by a middleware of this module (a global and a route middleware). */
const seen = new WeakSet<IncomingMessage>();

/** The middleware of `engine` with a route's options. */
export function expressMiddleware(engine: HttpCacheEngine, options?: HttpRouteOptions): ExpressMiddleware {
  const route = engine.route(options);
  return (req, res, next) => {
    if (seen.has(req)) {
      next();
      return;
    }
    seen.add(req);
    let passed = false;
    const pass = () => {
      if (passed) return;
      passed = true;
      next();
    };
    engine
      .serve(
        {
          request: nodeRequestInfo(req, req.originalUrl ?? req.url),
          body: () => bodyBytes(req.body, stableStringify),
          forward: (recording) => forwardNode(res, recording, pass),
          send: (reply) => writeNode(res, reply),
          pass,
          release: (failure) => {
            if (!releaseNode(failure)) throw failure;
          },
        },
        route,
      )
      .catch((error: unknown) => {
        // Only a handler error released above gets here, and Express already answered it.
        if (!passed) next(error);
      });
  };
}
