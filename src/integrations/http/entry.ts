/**
 * Stored responses: what is kept of a recorded response, the strong ETag, and the headers of
 * a replay (`X-Cache`, `Age`, `304 Not Modified`).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { type HeaderList, headerValue } from './policy.js';
import type { HttpCacheStatus, HttpRequestInfo, StoredResponse } from './types.js';

/** Hop-by-hop headers (RFC 9110 7.6.1) and those the cache sets itself; never stored. */
const NOT_STORED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
  'age',
  'x-cache',
  'content-length',
  'date',
]);

/** A strong ETag of `body`: a quoted base64url sha256. */
export function strongEtag(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}

/** The headers kept for storage: lower-case, without hop-by-hop ones (and those named by `Connection`). */
export function storableHeaders(headers: HeaderList): [string, string][] {
  const named = new Set(
    (headerValue(headers, 'connection') ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  return headers
    .filter(([name]) => !NOT_STORED.has(name) && !named.has(name))
    .map(([name, value]) => [name, value]);
}

/** The entry stored for a recorded response. */
export function toStored(
  status: number,
  headers: HeaderList,
  body: Uint8Array,
  createdAt: number,
): StoredResponse {
  const kept = storableHeaders(headers);
  let etag = headerValue(kept, 'etag');
  if (etag === undefined) {
    etag = strongEtag(body);
    kept.push(['etag', etag]);
  }
  return {
    kind: 'response',
    status,
    headers: kept,
    body: Buffer.from(body).toString('base64'),
    etag,
    createdAt,
  };
}

/** Whether `If-None-Match` of the request matches `etag` (weak comparison, `*` matches). */
export function notModified(request: HttpRequestInfo, etag: string): boolean {
  const header = request.header('if-none-match');
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === wanted);
}

/** A response to send: status, headers, and the body (`undefined` for none). */
export interface Reply {
  readonly status: number;
  readonly headers: [string, string][];
  readonly body: Uint8Array | undefined;
  /** A HEAD request: the body is not sent (it is there for frameworks that derive headers from it). */
  readonly head: boolean;
}

/** Headers kept on a `304` (RFC 9110 15.4.5). */
const NOT_MODIFIED_HEADERS = new Set([
  'cache-control',
  'content-location',
  'etag',
  'expires',
  'vary',
  'last-modified',
]);

/** What to send for `stored` to `request`: the full response, or a 304. */
export function replyFor(
  stored: StoredResponse,
  request: HttpRequestInfo,
  status: HttpCacheStatus,
  now: number,
): Reply {
  const age = String(Math.max(0, Math.floor((now - stored.createdAt) / 1000)));
  const extra: [string, string][] = [
    ['x-cache', status],
    ['age', age],
  ];
  if (notModified(request, stored.etag)) {
    const headers = stored.headers
      .filter(([n]) => NOT_MODIFIED_HEADERS.has(n))
      .map(([n, v]) => [n, v] as [string, string]);
    return { status: 304, headers: [...headers, ...extra], body: undefined, head: false };
  }
  const body = Buffer.from(stored.body, 'base64');
  const headers: [string, string][] = stored.headers.map(([n, v]) => [n, v]);
  if (!/^text\/event-stream/i.test(headerValue(stored.headers, 'content-type') ?? ''))
    headers.push(['content-length', String(body.byteLength)]);
  return {
    status: stored.status,
    headers: [...headers, ...extra],
    body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    head: request.method === 'HEAD',
  };
}
