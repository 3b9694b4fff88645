/**
 * Options and stored shapes of `ai-response-cache/http`.
 *
 * @module
 */
import type { CacheKey, StampedeLockOptions, Ttl } from '../../index.js';

/** A request as the HTTP cache sees it, whatever the framework (given to `key` and `tags`). */
export interface HttpRequestInfo {
  /** Upper-case method (`GET`, `HEAD`, `POST`). */
  readonly method: string;
  /** The path, without the query string (`/users/1`). */
  readonly path: string;
  /** The query parameters. */
  readonly query: URLSearchParams;
  /** A request header (lower- or upper-case name), or `undefined`. Repeated headers are joined with `, `. */
  header(name: string): string | undefined;
}

/** Options of one route (or of every route, given to {@link cacheResponses}). */
export interface HttpRouteOptions {
  /**
   * Time to live of a stored response when the response sets neither `s-maxage` nor `max-age`
   * (those win when present, `s-maxage` over `max-age`).
   * @default the cache's `ttl`
   */
  ttl?: Ttl;
  /**
   * Keep entries this long past their TTL and serve them (`X-Cache: STALE`) when the handler
   * fails: it throws or answers with a 5xx status. @default none (no stale serving)
   */
  grace?: Ttl;
  /** Tags of the stored entries, for `cache.invalidateTags()`. @default none */
  tags?: (request: HttpRequestInfo) => readonly string[];
  /**
   * The key of a request instead of method + path + query (+ body hash); the values of the
   * response's `Vary` headers are still added. @default method, path and a hash of the sorted query
   */
  key?: (request: HttpRequestInfo) => CacheKey;
  /**
   * Cross-process stampede protection through the cache's distributed lock
   * (`createCache({ lock })`). Within one process concurrent identical requests always wait
   * for one handler call. @default false
   */
  lock?: boolean | StampedeLockOptions;
  /**
   * Also cache `POST` requests, keyed by a sha256 of the body (for LLM-backed endpoints whose
   * answer depends on the body only). Express needs a body parser (`express.json()`,
   * `express.raw()`, ...) before the middleware; a `POST` without a parsed body is not cached.
   * @default false
   */
  post?: boolean;
  /**
   * Cache requests that carry `Authorization` or `Cookie`, keyed per credential (a sha256 of
   * those headers, never the headers themselves); responses marked `Cache-Control: private`
   * are then stored too. @default false (such requests reach the handler and nothing is stored)
   */
  private?: boolean;
  /** Response statuses that are stored. @default [200] */
  statuses?: readonly number[];
  /** Largest body recorded; a larger response is sent but not stored. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /**
   * Whether the request's `Cache-Control` is honoured (`no-store`: neither read nor stored;
   * `no-cache` or `max-age=0`: the handler runs and its answer replaces the entry). Turn it off
   * when clients must not be able to force handler calls. @default true
   */
  honorRequestCacheControl?: boolean;
}

/** Options of {@link cacheResponses}: defaults of every route, plus the clock. */
export interface HttpCacheOptions extends HttpRouteOptions {
  /** Clock in epoch milliseconds, for `Age` (use the cache's own clock). @default Date.now */
  now?: () => number;
}

/** A stored response (the value under the cache key). */
export interface StoredResponse {
  readonly kind: 'response';
  /** Status code. */
  readonly status: number;
  /** Headers as sent, lower-case names, minus hop-by-hop headers, `Set-Cookie`, `Age`, `X-Cache`, `Content-Length`. */
  readonly headers: readonly (readonly [string, string])[];
  /** The body, base64. */
  readonly body: string;
  /** The response's `ETag`, or a strong one generated from the body's sha256. */
  readonly etag: string;
  /** When it was recorded (epoch ms). */
  readonly createdAt: number;
}

/** Stored under the key without `Vary` values when the response varies: the headers it varies on. */
export interface VaryMarker {
  readonly kind: 'vary';
  /** Lower-case header names, sorted. */
  readonly vary: readonly string[];
}

/** What the HTTP cache writes to the cache. */
export type HttpCacheEntry = StoredResponse | VaryMarker;

/** Values of `X-Cache`. */
export type HttpCacheStatus = 'HIT' | 'MISS' | 'STALE';
