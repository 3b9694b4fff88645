/**
 * Recording and replaying on a Node `ServerResponse` (what Express and Fastify write to): the
 * response goes to the client as the handler writes it and is recorded on the way; a failure
 * is held back when a stale entry may replace it.
 *
 * @module
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Reply } from './entry.js';
import { strongEtag } from './entry.js';
import type { HeaderList } from './policy.js';
import { HandlerFailure, type Recorded, type Recording } from './recording.js';
import type { HttpRequestInfo } from './types.js';

/** The request info of a Node request (`url` is the path and query, as Node gives it). */
export function nodeRequestInfo(req: IncomingMessage, url = req.url ?? '/'): HttpRequestInfo {
  const parsed = new URL(url, 'http://localhost');
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: parsed.pathname,
    query: parsed.searchParams,
    header(name) {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** The bytes of a parsed body (a Buffer, a string, or a JSON value), or `undefined` when there is none. */
export function bodyBytes(body: unknown, stringify: (value: unknown) => string): Uint8Array | undefined {
  if (body === undefined) return undefined;
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.from(stringify(body));
}

/** Headers of an object (`getHeaders()`) as a list (a later name replaces an earlier one). */
export function listOf(
  headers: OutgoingHttpHeaders | Record<string, unknown>,
  into: [string, string][] = [],
): [string, string][] {
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const n = name.toLowerCase();
    for (let i = into.length - 1; i >= 0; i--) if (into[i]?.[0] === n) into.splice(i, 1);
    if (Array.isArray(value)) for (const v of value) into.push([n, String(v)]);
    else into.push([n, String(value)]);
  }
  return into;
}

/** The headers `writeHead(status, ...args)` will send. */
function headersOf(res: ServerResponse, args: unknown[]): [string, string][] {
  const list = listOf(res.getHeaders());
  const given = args.find((a) => typeof a === 'object' && a !== null);
  if (Array.isArray(given)) {
    const flat = given.flat() as unknown[];
    const object: Record<string, unknown[]> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const name = String(flat[i]);
      const values = object[name] ?? [];
      values.push(flat[i + 1]);
      object[name] = values;
    }
    listOf(object, list);
  } else if (given) listOf(given as Record<string, unknown>, list);
  return list;
}

/** Bytes of a `write()` / `end()` chunk. */
function toBytes(chunk: unknown, encoding: unknown): Uint8Array | undefined {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return undefined;
  if (typeof chunk === 'string')
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk;
  return undefined;
}

/** The original methods of a patched response (for {@link releaseNode}). */
const originals = new WeakMap<ServerResponse, Pick<ServerResponse, 'writeHead' | 'write' | 'end'>>();

/** A reply held back by {@link forwardNode}. */
interface HeldReply {
  readonly res: ServerResponse;
  readonly reply: Reply;
}

/**
 * Runs `run` (which lets the handler write to `res`) while `res` is recorded into `recording`.
 * `X-Cache: MISS` is set, and a strong ETag when the whole body comes in one `end()`.
 */
export function forwardNode(res: ServerResponse, recording: Recording, run: () => void): Promise<Recorded> {
  return new Promise<Recorded>((resolve, reject) => {
    const writeHead = res.writeHead;
    const write = res.write;
    const end = res.end;
    originals.set(res, { writeHead, write, end });
    let action: 'record' | 'hold' | 'ignore' | undefined;
    let held: { status: number; headers: [string, string][]; chunks: Uint8Array[] } | undefined;
    let settled = false;
    const settle = (complete: boolean) => {
      if (settled) return;
      settled = true;
      resolve(recording.result(complete));
    };
    const decide = (status: number, headers: HeaderList) => {
      action = recording.head(status, headers);
      if (action === 'hold') held = { status, headers: headers.map(([n, v]) => [n, v]), chunks: [] };
      if (action === 'ignore') settle(false); // waiting requests need not wait for the end
    };
    const p = res as unknown as Record<'writeHead' | 'write' | 'end', (...args: unknown[]) => unknown>;
    p.writeHead = function patchedWriteHead(this: ServerResponse, status: unknown, ...args: unknown[]) {
      if (action === undefined) decide(Number(status), headersOf(res, args));
      if (action === 'hold') return res;
      return (writeHead as (...a: unknown[]) => unknown).call(res, status, ...args);
    };
    p.write = function patchedWrite(this: ServerResponse, chunk: unknown, encoding?: unknown, cb?: unknown) {
      if (action === undefined && !res.headersSent) decide(res.statusCode, headersOf(res, []));
      const bytes = toBytes(chunk, encoding);
      if (action === 'hold') {
        if (bytes) held?.chunks.push(new Uint8Array(bytes));
        const callback = typeof encoding === 'function' ? encoding : cb;
        if (typeof callback === 'function') queueMicrotask(() => (callback as () => void)());
        return true;
      }
      if (bytes) recording.chunk(bytes);
      return (write as (...a: unknown[]) => unknown).call(res, chunk, encoding, cb);
    };
    p.end = function patchedEnd(this: ServerResponse, chunk?: unknown, encoding?: unknown, cb?: unknown) {
      const bytes = toBytes(chunk, encoding);
      if (action === undefined && !res.headersSent) {
        const headers = headersOf(res, []);
        // The whole body in one end(): a strong ETag goes out with the MISS already.
        if (
          bytes &&
          res.getHeader('etag') === undefined &&
          recording.preview(res.statusCode, headers).store
        ) {
          const etag = strongEtag(bytes);
          res.setHeader('etag', etag);
          headers.push(['etag', etag]);
        }
        decide(res.statusCode, headers);
      }
      if (action === 'hold' && held) {
        if (bytes) held.chunks.push(new Uint8Array(bytes));
        const body = Buffer.concat(held.chunks);
        const failure: HeldReply = {
          res,
          reply: { status: held.status, headers: held.headers, body, head: false },
        };
        settled = true;
        reject(new HandlerFailure(failure));
        const callback = [chunk, encoding, cb].find((a) => typeof a === 'function');
        if (typeof callback === 'function') queueMicrotask(() => (callback as () => void)());
        return res;
      }
      if (bytes) recording.chunk(bytes);
      const finish = () => (end as (...a: unknown[]) => unknown).call(res, chunk, encoding, cb);
      if (action !== 'record' || settled) return finish();
      // The body is complete: the response ends once the entry is stored.
      settled = true;
      resolve({ ...recording.result(true), ack: finish });
      return res;
    };
    res.once('finish', () => settle(true));
    res.once('close', () => settle(res.writableFinished));
    if (!res.headersSent) res.setHeader('x-cache', 'MISS');
    try {
      run();
    } catch (error) {
      settled = true;
      reject(error);
    }
  });
}

/** Writes `reply` to `res` with the original (unpatched) methods. */
export function writeNode(res: ServerResponse, reply: Reply): void {
  const o = originals.get(res) ?? res;
  if (res.headersSent || res.writableEnded) return;
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const headers: Record<string, string[]> = {};
  for (const [name, value] of reply.headers) headers[name] = [...(headers[name] ?? []), value];
  (o.writeHead as (...a: unknown[]) => unknown).call(res, reply.status, headers);
  const end = o.end as (...a: unknown[]) => unknown;
  if (reply.body && !reply.head) end.call(res, reply.body);
  else end.call(res);
}

/** Sends what {@link forwardNode} held back; `false` when `failure` is not a held reply. */
export function releaseNode(failure: unknown): boolean {
  if (!(failure instanceof HandlerFailure)) return false;
  const held = failure.held as HeldReply;
  writeNode(held.res, held.reply);
  return true;
}
