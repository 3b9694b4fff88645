/**
 * The reference server of the `HttpBackend` protocol: serves any {@link CacheBackend} over
 * `node:http`.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeEntryFrames,
  encodeValueFrames,
  HTTP_BACKEND_BASE_PATH,
  type KeysPage,
  TTL_HEADER,
} from '../backends/http-protocol.js';
import type { CacheBackend } from '../backends/types.js';
import { ValidationError } from '../index.js';

/** Options of {@link createHttpBackendServer}. */
export interface HttpBackendServerOptions {
  /** The backend whose entries are served (e.g. a `MemoryBackend`). Not closed by the server. */
  backend: CacheBackend;
  /**
   * The bearer token every request must carry (`Authorization: Bearer <token>`); others get
   * `401`. Compared in constant time.
   * @default undefined (no authentication)
   */
  token?: string;
  /**
   * Largest accepted request body; larger ones get `413`.
   * @default 67_108_864 (64 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Largest page of `GET /v1/keys` (a larger `limit` is lowered to it).
   * @default 10_000
   */
  maxPageSize?: number;
}

/** Where {@link HttpBackendServer.listen} listens. */
export interface HttpBackendListenOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
}

/** A reference server of the `HttpBackend` protocol. */
export interface HttpBackendServer {
  /** The request listener, to mount in a server of your own (`http.createServer(handler)`). */
  readonly handler: RequestListener;
  /** Starts listening (again, after {@link HttpBackendServer.close}); resolves the base URL (`http://127.0.0.1:<port>`). */
  listen(options?: HttpBackendListenOptions): Promise<string>;
  /** The base URL while listening, else `undefined`. */
  readonly url: string | undefined;
  /** Stops listening and closes open connections. The backend stays open. Idempotent. */
  close(): Promise<void>;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpFailure(413, 'body too large');
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) throw new HttpFailure(413, 'body too large');
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks, total);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

function send(res: ServerResponse, status: number, body?: Uint8Array | string, type?: string): void {
  const headers: Record<string, string | number> = {};
  if (type) headers['content-type'] = type;
  if (body !== undefined)
    headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  res.writeHead(status, headers);
  res.end(body);
}

async function listKeys(backend: CacheBackend, params: URLSearchParams, maxPage: number): Promise<KeysPage> {
  const prefix = params.get('prefix') ?? '';
  const cursor = params.get('cursor') ?? '';
  const limit = Math.min(maxPage, Math.max(1, Number(params.get('limit')) || 500));
  // Stateless paging: the cursor is the last key of the previous page, in code-unit order.
  const after: string[] = [];
  for await (const key of backend.keys(prefix || undefined))
    if (cursor === '' || key > cursor) after.push(key);
  after.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const keys = after.slice(0, limit);
  return { keys, cursor: after.length > limit ? (keys.at(-1) ?? null) : null };
}

/**
 * Serves `options.backend` over the `HttpBackend` REST protocol (the table is in the README's
 * "Writing a backend"). A reference for server authors and a real server for tests; paging of
 * `GET /v1/keys` is stateless (the cursor is the last key returned), fine for tests and small
 * stores, not for millions of keys.
 *
 * @example
 * const server = createHttpBackendServer({ backend: new MemoryBackend(), token: 'secret' });
 * const url = await server.listen();
 * const backend = new HttpBackend({ url, token: 'secret' });
 * // ...
 * await server.close();
 */
export function createHttpBackendServer(options: HttpBackendServerOptions): HttpBackendServer {
  const issues = [];
  if (!options || typeof options.backend?.get !== 'function')
    issues.push({ path: 'backend', message: 'expected a CacheBackend' });
  if (options?.token !== undefined && (typeof options.token !== 'string' || options.token === '')) {
    issues.push({ path: 'token', message: 'expected a non-empty string' });
  }
  for (const name of ['maxBodyBytes', 'maxPageSize'] as const) {
    const value = options?.[name];
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      issues.push({ path: name, message: `expected a positive integer (got ${String(value)})` });
    }
  }
  if (issues.length > 0) throw new ValidationError('Invalid HttpBackendServer options', issues);
  const { backend } = options;
  const expected = options.token === undefined ? undefined : digest(`Bearer ${options.token}`);
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const maxPage = options.maxPageSize ?? 10_000;
  const entries = `${HTTP_BACKEND_BASE_PATH}/entries/`;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (expected && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      res.setHeader('www-authenticate', 'Bearer');
      throw new HttpFailure(401, 'unauthorized');
    }
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const method = req.method ?? 'GET';

    if (path.startsWith(entries)) {
      let key: string;
      try {
        key = decodeURIComponent(path.slice(entries.length));
      } catch {
        throw new HttpFailure(400, 'malformed key');
      }
      if (method === 'GET') {
        const value = await backend.get(key);
        return value === undefined ? send(res, 404) : send(res, 200, value, 'application/octet-stream');
      }
      if (method === 'HEAD') {
        res.writeHead((await backend.has(key)) ? 200 : 404).end();
        return;
      }
      if (method === 'PUT') {
        const ttl = Number(req.headers[TTL_HEADER]);
        if (!Number.isFinite(ttl) || ttl <= 0) throw new HttpFailure(400, `missing or invalid ${TTL_HEADER}`);
        await backend.set(key, await readBody(req, maxBody), ttl);
        return send(res, 204);
      }
      if (method === 'DELETE') return send(res, (await backend.delete(key)) ? 204 : 404);
      throw new HttpFailure(405, 'method not allowed');
    }
    if (path === `${HTTP_BACKEND_BASE_PATH}/keys`) {
      if (method !== 'GET') throw new HttpFailure(405, 'method not allowed');
      return send(res, 200, JSON.stringify(await listKeys(backend, params, maxPage)), 'application/json');
    }
    if (method !== 'POST' && path.startsWith(`${HTTP_BACKEND_BASE_PATH}/`))
      throw new HttpFailure(405, 'method not allowed');
    if (path === `${HTTP_BACKEND_BASE_PATH}/clear`) {
      await backend.clear(params.get('prefix') || undefined);
      return send(res, 204);
    }
    if (path === `${HTTP_BACKEND_BASE_PATH}/get-many`) {
      let keys: unknown;
      try {
        keys = (JSON.parse(new TextDecoder().decode(await readBody(req, maxBody))) as { keys?: unknown })
          .keys;
      } catch {
        throw new HttpFailure(400, 'expected {"keys": [...]}');
      }
      if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string'))
        throw new HttpFailure(400, 'expected {"keys": [...]}');
      const values = backend.getMany
        ? await backend.getMany(keys)
        : await Promise.all(keys.map((k) => backend.get(k)));
      return send(res, 200, encodeValueFrames(values), 'application/octet-stream');
    }
    if (path === `${HTTP_BACKEND_BASE_PATH}/set-many`) {
      let list: ReturnType<typeof decodeEntryFrames>;
      try {
        list = decodeEntryFrames(await readBody(req, maxBody));
      } catch (error) {
        if (error instanceof HttpFailure) throw error;
        throw new HttpFailure(400, 'malformed entry frames');
      }
      if (backend.setMany) await backend.setMany(list);
      else await Promise.all(list.map((e) => backend.set(e.key, e.value, e.ttlMs)));
      return send(res, 204);
    }
    throw new HttpFailure(404, 'no such route');
  }

  const handler: RequestListener = (req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status =
        error instanceof HttpFailure ? error.status : error instanceof ValidationError ? 400 : 500;
      const message =
        error instanceof HttpFailure ? error.message : status === 400 ? 'invalid entry' : 'backend failure';
      send(res, status, JSON.stringify({ error: message }), 'application/json');
    });
  };

  let server: Server | undefined;
  let url: string | undefined;
  return {
    handler,
    get url() {
      return url;
    },
    async listen(listenOptions: HttpBackendListenOptions = {}): Promise<string> {
      if (server && url) return url;
      const s = createServer(handler);
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(listenOptions.port ?? 0, listenOptions.host ?? '127.0.0.1', () => {
          s.off('error', reject);
          resolve();
        });
      });
      const address = s.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${host}:${address.port}`;
      return url;
    },
    async close(): Promise<void> {
      const s = server;
      server = undefined;
      url = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
  };
}
