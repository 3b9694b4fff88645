/**
 * A local, dependency-free (node:http only) Anthropic-compatible server for tests and demos:
 * `POST /v1/messages` answers JSON, or server-sent events with `stream: true`, shaped like the
 * real API (`message_start`, `ping`, `content_block_start/delta/stop`, `message_delta`,
 * `message_stop`; errors as `{ type: 'error', error }` bodies or mid-stream `error` events);
 * `POST /v1/messages/count_tokens` answers `{ input_tokens }`.
 *
 * ```ts
 * const server = await startMockAnthropic();
 * const client = new Anthropic({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
 * await client.messages.create({ model: 'claude-test', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] });
 * server.calls.total; // 1
 * await server.close();
 * ```
 *
 * Answers come from {@link defaultPlanner} (deterministic per request; markers `[[tool]]`,
 * `[[empty]]`; thinking when enabled) or from a planner given with `setPlanner()`.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AnswerPlan,
  defaultPlanner,
  eventsOf,
  type JsonObject,
  messageOf,
  type Planner,
} from './answers.js';

export type { AnswerPlan, PlannedBlock, Planner } from './answers.js';
export { defaultPlanner, eventsOf, messageOf } from './answers.js';

/** Options of {@link startMockAnthropic}. */
export interface MockAnthropicOptions {
  /** Port on 127.0.0.1. @default 0 (a free port) */
  port?: number;
  /** Delay before a JSON answer and between streamed events, in ms. @default 0 */
  latencyMs?: number;
  /** Chooses the answers. @default defaultPlanner */
  planner?: Planner;
}

/** Request counters of a {@link MockAnthropic} (mutated in place). */
export interface MockAnthropicCalls {
  /** Requests received (any path, failed ones included). */
  total: number;
  /** `POST /v1/messages` with `stream: true`. */
  streamed: number;
  /** Parsed request bodies in arrival order. */
  bodies: JsonObject[];
  /** Request headers in arrival order (lower-case names). */
  headers: Record<string, string | string[] | undefined>[];
  /** Streams whose client disconnected before `message_stop`. */
  aborted: number;
  /** Requests answered with an injected error. */
  failed: number;
}

/** A running mock server. */
export interface MockAnthropic {
  /** Base URL for the client (`new Anthropic({ baseURL: server.url })`), without `/v1`. */
  readonly url: string;
  readonly port: number;
  readonly calls: MockAnthropicCalls;
  /** Resets the counters. */
  resetCalls(): void;
  /** The next `n` requests fail with HTTP `status` (an Anthropic error body). @default status 500 */
  failNext(n: number, status?: number): void;
  /** The next `n` streams send two content events, then an `overloaded_error` event. */
  failMidStream(n: number): void;
  /** Replaces the planner (`undefined`: the default one). */
  setPlanner(planner: Planner | undefined): void;
  /** Changes the latency. */
  setLatency(ms: number): void;
  /** Stops the server, cutting open streams. Safe to call twice. */
  close(): Promise<void>;
}

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

function errorBody(status: number, message: string): string {
  const type = ERROR_TYPES[status] ?? 'api_error';
  return JSON.stringify({ type: 'error', error: { type, message } });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  return text ? JSON.parse(text) : null;
}

/** Starts the server on a free loopback port (or `options.port`). */
export async function startMockAnthropic(options: MockAnthropicOptions = {}): Promise<MockAnthropic> {
  let latency = options.latencyMs ?? 0;
  let planner: Planner = options.planner ?? defaultPlanner;
  const failures: number[] = [];
  let midStreamFailures = 0;
  const calls: MockAnthropicCalls = { total: 0, streamed: 0, bodies: [], headers: [], aborted: 0, failed: 0 };
  const open = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'request-id': `req_${calls.total}`,
      ...(status >= 400 ? { 'x-should-retry': 'false' } : {}),
    });
    res.end(body);
  };

  async function stream(res: ServerResponse, message: JsonObject, failMid: boolean): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'request-id': `req_${calls.total}`,
    });
    let sent = 0;
    for (const event of eventsOf(message)) {
      if (res.destroyed) break;
      if (failMid && event.type === 'content_block_delta' && ++sent > 2) {
        const error = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
        res.write(`event: error\ndata: ${JSON.stringify(error)}\n\n`);
        res.end();
        return;
      }
      await sleep(latency);
      if (res.destroyed) break;
      res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
    }
    if (res.destroyed) calls.aborted++;
    else res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    calls.total++;
    const body = (await readBody(req).catch(() => undefined)) as JsonObject | null | undefined;
    calls.bodies.push(body ?? {});
    calls.headers.push({ ...req.headers });
    const route = req.url?.split('?')[0];
    if (req.method === 'POST' && route === '/v1/messages/count_tokens' && body && typeof body === 'object') {
      const input = messageOf({ blocks: [] }, body).usage as JsonObject;
      return send(res, 200, JSON.stringify({ input_tokens: input.input_tokens }));
    }
    if (req.method !== 'POST' || route !== '/v1/messages') {
      return send(res, 404, errorBody(404, `no route ${req.method} ${req.url}`));
    }
    if (body === undefined || body === null || typeof body !== 'object') {
      return send(res, 400, errorBody(400, 'invalid JSON body'));
    }
    const failure = failures.shift();
    if (failure !== undefined) {
      calls.failed++;
      return send(res, failure, errorBody(failure, 'injected failure'));
    }
    if (
      typeof body.model !== 'string' ||
      typeof body.max_tokens !== 'number' ||
      !Array.isArray(body.messages)
    ) {
      return send(res, 400, errorBody(400, 'model, max_tokens and messages are required'));
    }
    let plan: AnswerPlan;
    try {
      plan = planner(body);
    } catch (error) {
      return send(res, 500, errorBody(500, `planner failed: ${String(error)}`));
    }
    const message = messageOf(plan, body);
    if (body.stream === true) {
      calls.streamed++;
      const failMid = midStreamFailures > 0;
      if (failMid) {
        midStreamFailures--;
        calls.failed++;
      }
      return stream(res, message, failMid);
    }
    await sleep(latency);
    send(res, 200, JSON.stringify(message));
  }

  const server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, errorBody(500, String(error)));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    resetCalls() {
      Object.assign(calls, { total: 0, streamed: 0, aborted: 0, failed: 0 });
      calls.bodies.length = 0;
      calls.headers.length = 0;
    },
    failNext(n, status = 500) {
      for (let i = 0; i < n; i++) failures.push(status);
    },
    failMidStream(n) {
      midStreamFailures += n;
    },
    setPlanner(next) {
      planner = next ?? defaultPlanner;
    },
    setLatency(ms) {
      latency = ms;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
