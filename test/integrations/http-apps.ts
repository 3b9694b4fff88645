/**
 * Test apps for `ai-response-cache/http`: one framework-neutral route table served by a real
 * Express server, a real Fastify server, or the fetch-handler wrapper behind `node:http`, each
 * on a free loopback port. Every route counts its handler calls; `arrivals` counts requests
 * before the cache sees them (so a test can wait until N requests are in flight).
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import express from 'express';
import Fastify from 'fastify';
import type { HttpResponseCache, HttpRouteOptions } from '../../src/integrations/http/index.js';

/** The adapters under test. */
export const ADAPTERS = ['express', 'fastify', 'fetch'] as const;
export type Adapter = (typeof ADAPTERS)[number];

/** What a route handler sees. */
export interface RouteRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  header(name: string): string | undefined;
  /** The body as text (POST). */
  body: string | undefined;
}

/** What a route answers: a whole body, or events streamed one by one (then `abort` cuts the stream after them). */
export interface RouteAnswer {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string;
  events?: string[];
  abort?: boolean;
  /** After the events, wait until the client has gone (its connection closed), then send one more and end. */
  untilClientGone?: boolean;
}

/** A route: its handler and its cache options. */
export interface Route {
  handle(request: RouteRequest): RouteAnswer | Promise<RouteAnswer>;
  cache?: HttpRouteOptions;
}

/** A running app. */
export interface App {
  url: string;
  /** Handler calls per path. */
  calls: Map<string, number>;
  /** Requests that reached the server (before the cache). */
  arrivals(): number;
  /** Resolves when `n` requests have arrived. */
  arrived(n: number): Promise<void>;
  close(): Promise<void>;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function* eventsOf(answer: RouteAnswer, gone: Promise<void>): AsyncGenerator<string> {
  for (const event of answer.events ?? []) {
    await tick();
    yield event;
  }
  if (answer.untilClientGone) {
    await gone;
    yield 'data: after the client left\n\n';
  }
  if (answer.abort) {
    await tick();
    throw new Error('stream cut');
  }
}

/** Starts `routes` on `adapter` with the cache `http`. */
export async function startApp(
  adapter: Adapter,
  http: HttpResponseCache,
  routes: Record<string, Route>,
): Promise<App> {
  const calls = new Map<string, number>();
  let arrivals = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const arrive = () => {
    arrivals++;
    for (const w of waiters.splice(0)) {
      if (arrivals >= w.n) w.resolve();
      else waiters.push(w);
    }
  };
  const count = (path: string) => calls.set(path, (calls.get(path) ?? 0) + 1);
  const arrived = (n: number) =>
    arrivals >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }));

  let server: Server;
  let closeApp: () => Promise<void>;
  if (adapter === 'express') {
    const app = express();
    app.use((_req, _res, next) => {
      arrive();
      next();
    });
    app.use(express.json());
    for (const [path, route] of Object.entries(routes)) {
      app.all(path, http.express(route.cache), async (req, res) => {
        count(path);
        const answer = await route.handle({
          method: req.method,
          path: req.path,
          query: new URL(req.originalUrl, 'http://x').searchParams,
          header: (name) => req.get(name),
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
        });
        res.status(answer.status ?? 200);
        for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
        if (answer.events) {
          res.flushHeaders();
          try {
            const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
            for await (const event of eventsOf(answer, gone)) res.write(event);
            res.end();
          } catch {
            res.destroy();
          }
          return;
        }
        res.send(answer.body ?? '');
      });
    }
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    closeApp = () => new Promise<void>((resolve) => server.close(() => resolve()));
  } else if (adapter === 'fastify') {
    const app = Fastify();
    app.addHook('onRequest', async () => arrive());
    await app.register(http.fastify);
    for (const [path, route] of Object.entries(routes)) {
      app.route({
        method: ['GET', 'POST'],
        url: path,
        config: { cache: route.cache ?? {} },
        handler: async (request, reply) => {
          count(path);
          const url = new URL(request.url, 'http://x');
          const answer = await route.handle({
            method: request.method,
            path: url.pathname,
            query: url.searchParams,
            header: (name) => {
              const v = request.headers[name.toLowerCase()];
              return Array.isArray(v) ? v.join(', ') : v;
            },
            body: request.body === undefined ? undefined : JSON.stringify(request.body),
          });
          reply.code(answer.status ?? 200);
          for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
          if (answer.events) {
            const gone = new Promise<void>((resolve) => reply.raw.once('close', () => resolve()));
            return reply.send(Readable.from(eventsOf(answer, gone)));
          }
          return reply.send(answer.body ?? '');
        },
      });
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    server = app.server;
    closeApp = () => app.close();
  } else {
    const handlers = new Map<string, (request: Request) => Promise<Response>>();
    for (const [path, route] of Object.entries(routes)) {
      const handler = async (request: Request): Promise<Response> => {
        count(path);
        const url = new URL(request.url);
        const text = request.method === 'POST' ? await request.text() : undefined;
        const answer = await route.handle({
          method: request.method,
          path: url.pathname,
          query: url.searchParams,
          header: (name) => request.headers.get(name) ?? undefined,
          body: text === undefined ? undefined : JSON.stringify(JSON.parse(text)),
        });
        const headers = new Headers();
        for (const [name, value] of Object.entries(answer.headers ?? {}))
          for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
        if (answer.events) {
          const gone = new Promise<void>((resolve) =>
            request.signal.addEventListener('abort', () => resolve()),
          );
          const source = eventsOf(answer, gone);
          const body = new ReadableStream<Uint8Array>({
            async pull(controller) {
              try {
                const { value, done } = await source.next();
                if (done) controller.close();
                else controller.enqueue(new TextEncoder().encode(value));
              } catch (error) {
                controller.error(error);
              }
            },
          });
          return new Response(body, { status: answer.status ?? 200, headers });
        }
        return new Response(answer.body ?? '', { status: answer.status ?? 200, headers });
      };
      const wrapped = http.fetch(handler, route.cache);
      handlers.set(path, async (request) => wrapped(request));
    }
    server = createServer(async (req, res) => {
      arrive();
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const method = req.method ?? 'GET';
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      const address = server.address() as AddressInfo;
      // As Hono's or Next's servers do: the request's signal aborts and the body is cancelled when the client goes.
      const aborter = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) aborter.abort();
      });
      const request = new Request(`http://127.0.0.1:${address.port}${req.url}`, {
        method,
        headers,
        signal: aborter.signal,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      });
      const handler = handlers.get(new URL(request.url).pathname);
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      const response = await handler(request);
      const out: Record<string, string | string[]> = {};
      response.headers.forEach((value, name) => {
        if (name !== 'set-cookie') out[name] = value;
      });
      if (response.headers.getSetCookie().length > 0) out['set-cookie'] = response.headers.getSetCookie();
      res.writeHead(response.status, out);
      if (!response.body || method === 'HEAD') {
        res.end();
        return;
      }
      const reader = response.body.getReader();
      aborter.signal.addEventListener('abort', () => {
        reader.cancel().catch(() => {});
      });
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          res.write(value);
        }
        res.end();
      } catch {
        res.destroy();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closeApp = () => new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    arrivals: () => arrivals,
    arrived,
    close: async () => {
      server.closeAllConnections?.();
      await closeApp();
    },
  };
}

/**
 * A GET with exactly `headers` (Node's `fetch` adds `Cache-Control: no-cache` to requests
 * carrying `If-None-Match`, as the Fetch standard says; a browser revalidating its own cache or
 * curl sends the conditional header alone).
 */
export function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
