/**
 * The wrapper of fetch-style handlers (`(request: Request) => Response`, as Hono, Next.js route
 * handlers, Bun and Deno use): the same handler, answered from the cache when it can be.
 *
 * @module
 */
import type { HttpCacheEngine } from './engine.js';
import { strongEtag } from './entry.js';
import { HandlerFailure, type Recorded, type Recording } from './recording.js';
import type { HttpRequestInfo, HttpRouteOptions } from './types.js';

/** A fetch-style handler. Extra arguments (a Next.js context, Hono's env) are passed through. */
export type FetchHandler<A extends unknown[] = []> = (
  request: Request,
  ...rest: A
) => Response | Promise<Response>;

/** The request info of a `Request`. */
function requestInfo(request: Request): HttpRequestInfo {
  const url = new URL(request.url);
  return {
    method: request.method.toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    header: (name) => request.headers.get(name) ?? undefined,
  };
}

/** Headers of a `Response` as a list (`Set-Cookie` kept apart, as sent). */
function headerList(headers: Headers): [string, string][] {
  const list: [string, string][] = [];
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') list.push([name, value]);
  });
  for (const cookie of headers.getSetCookie()) list.push(['set-cookie', cookie]);
  return list;
}

/** Copies `response` with `body` and extra headers. */
function withBody(
  response: Response,
  body: ConstructorParameters<typeof Response>[0],
  extra: [string, string][],
): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of extra) headers.set(name, value);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * A stream of `body` that records what it passes on; `done` resolves with the recording's
 * result: complete when the source ended, not when it failed or the client cancelled.
 */
function recordStream(
  body: ReadableStream<Uint8Array>,
  recording: Recording,
): {
  stream: ReadableStream<Uint8Array>;
  done: Promise<Recorded>;
} {
  const reader = body.getReader();
  let finish: (complete: boolean, ack?: () => void) => void = () => {};
  const done = new Promise<Recorded>((resolve) => {
    finish = (complete, ack) =>
      resolve(ack ? { ...recording.result(complete), ack } : recording.result(complete));
  });
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done: ended } = await reader.read();
        if (ended) {
          // The stream ends once the entry is stored.
          await new Promise<void>((ack) => finish(true, ack));
          controller.close();
          return;
        }
        recording.chunk(value);
        controller.enqueue(value);
      } catch (error) {
        finish(false);
        controller.error(error);
      }
    },
    async cancel(reason) {
      finish(false);
      await reader.cancel(reason);
    },
  });
  return { stream, done };
}

/** Wraps `handler` with the cache of `engine` and a route's options. */
export function fetchWrapper<A extends unknown[]>(
  engine: HttpCacheEngine,
  handler: FetchHandler<A>,
  options?: HttpRouteOptions,
): FetchHandler<A> {
  const route = engine.route(options);
  return (request, ...rest) =>
    new Promise<Response>((resolve, reject) => {
      const call = async () => handler(request, ...rest);
      engine
        .serve(
          {
            request: requestInfo(request),
            body: async () => new Uint8Array(await request.clone().arrayBuffer()),
            forward: async (recording) => {
              let response: Response;
              try {
                response = await call();
              } catch (error) {
                if (route.grace !== undefined) throw new HandlerFailure(error);
                throw error;
              }
              const headers = headerList(response.headers);
              const stream = /^text\/event-stream/i.test(response.headers.get('content-type') ?? '');
              const preview = recording.preview(response.status, headers);
              const extra: [string, string][] = [['x-cache', 'MISS']];
              if (!preview.store || response.body === null || stream) {
                const action = recording.head(response.status, headers);
                if (action === 'hold') throw new HandlerFailure(response);
                if (action === 'ignore' || response.body === null) {
                  resolve(withBody(response, response.body, extra));
                  return recording.result(response.body === null);
                }
                const { stream: body, done } = recordStream(response.body, recording);
                resolve(withBody(response, body, extra));
                return done;
              }
              // A whole body: read it, so that the MISS carries the same strong ETag as the hits.
              const body = new Uint8Array(await response.arrayBuffer());
              if (!response.headers.has('etag')) {
                const etag = strongEtag(body);
                extra.push(['etag', etag]);
                headers.push(['etag', etag]);
              }
              extra.push(['content-length', String(body.byteLength)]);
              recording.head(response.status, headers);
              recording.chunk(body);
              // The response goes out once the entry is stored.
              return { ...recording.result(true), ack: () => resolve(withBody(response, body, extra)) };
            },
            send: (reply) => {
              const headers = new Headers();
              for (const [name, value] of reply.headers) headers.append(name, value);
              resolve(
                new Response(reply.head ? null : (reply.body ?? null), { status: reply.status, headers }),
              );
            },
            pass: async () => resolve(await call()),
            release: (failure) => {
              if (!(failure instanceof HandlerFailure)) throw failure;
              if (failure.held instanceof Response) resolve(failure.held);
              else throw failure.held;
            },
          },
          route,
        )
        .catch(reject);
    });
}
