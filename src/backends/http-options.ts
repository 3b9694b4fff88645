/**
 * The options of {@link HttpBackend} and their validation.
 *
 * @module
 */
import type { InfrastructureError } from '../errors.js';
import { ValidationError, type ValidationIssue } from '../errors.js';

/** Options of {@link HttpBackend}. */
export interface HttpBackendOptions {
  /**
   * Base URL of the cache server (`http://cache.internal:8080`, or with a path prefix:
   * `https://host/cache`). Routes are appended to it (`/v1/entries/...`). Must not carry
   * credentials: use {@link HttpBackendOptions.token}.
   */
  url: string;
  /**
   * Bearer token sent as `Authorization: Bearer <token>` on every request. Never logged, never
   * part of an error.
   * @default undefined (no `Authorization` header)
   */
  token?: string;
  /**
   * Deadline of one request (`AbortSignal.timeout`), answer body included. A request that times
   * out is not retried.
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * How many times a failed request is tried again after a network error (refused, reset), a
   * `5xx` or a `429`. Every request of the protocol is idempotent, so all are retried.
   * @default 2
   */
  retries?: number;
  /**
   * Base delay of the exponential backoff: retry `n` (from 0) waits
   * `min(maxRetryDelayMs, retryDelayMs * 2 ** n)`, scaled by a random factor in [0.5, 1)
   * (jitter). A `Retry-After` header in seconds replaces it (still capped).
   * @default 25
   */
  retryDelayMs?: number;
  /**
   * Upper bound of one backoff delay.
   * @default 500
   */
  maxRetryDelayMs?: number;
  /**
   * What a failed read (`get`, `has`, `getMany`) does: `'miss'` answers `undefined` / `false`
   * (and calls {@link HttpBackendOptions.onError}); `'throw'` rejects with an
   * {@link InfrastructureError}, which a `Cache` turns into a miss plus an `error` event and its
   * degraded mode. Writes, deletes, `clear` and `keys` always throw on failure.
   * @default 'miss'
   */
  readErrors?: 'miss' | 'throw';
  /**
   * Called with the error of each read turned into a miss (`readErrors: 'miss'`). Errors carry
   * the operation, the server's origin and the HTTP status, never the key, token or value.
   * @default undefined
   */
  onError?: (error: InfrastructureError) => void;
  /**
   * Whether `getMany` / `setMany` use the optional batch routes (`POST /v1/get-many`,
   * `/v1/set-many`). When the server answers `404`, `405` or `501` to one of them, the backend
   * falls back to one request per key for good.
   * @default true
   */
  batch?: boolean;
  /**
   * Keys asked per page of `GET /v1/keys`.
   * @default 500
   */
  keysPageSize?: number;
  /**
   * How many of the keys it yielded last one `keys()` iteration remembers, to skip a key that
   * the server reports on two pages (a listing that moves while it is paged through may).
   * Memory stays within this many keys however large the keyspace; a key reported again after
   * more than this many other keys is yielded again.
   * @default 100_000
   */
  keysDedupWindow?: number;
  /**
   * Extra request headers (e.g. a tenant header). `Authorization` is set from `token`.
   * @default {}
   */
  headers?: Record<string, string>;
  /**
   * Name in events and stats.
   * @default 'http'
   */
  name?: string;
  /**
   * The `fetch` used for requests. Inject one to add a proxy or an undici dispatcher.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * Waits between retries. Inject a fake one in tests.
   * @default a `setTimeout` promise
   */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Source of the backoff jitter, in [0, 1).
   * @default Math.random
   */
  random?: () => number;
}

/** The parsed base URL of valid options. @throws {ValidationError} listing every problem. */
export function validateHttpBackendOptions(options: HttpBackendOptions): URL | undefined {
  const issues: ValidationIssue[] = [];
  let url: URL | undefined;
  try {
    url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      issues.push({ path: 'url', message: `expected an http: or https: URL (got ${url.protocol})` });
    }
    if (url.username !== '' || url.password !== '') {
      issues.push({ path: 'url', message: 'must not contain credentials (use the token option)' });
    }
    if (url.search !== '' || url.hash !== '') {
      issues.push({ path: 'url', message: 'must not have a query or a fragment' });
    }
  } catch {
    issues.push({ path: 'url', message: 'expected an absolute http(s) URL' });
  }
  if (
    options.token !== undefined &&
    (typeof options.token !== 'string' || !/^[\x21-\x7e]+$/.test(options.token))
  ) {
    issues.push({ path: 'token', message: 'expected a non-empty string of visible ASCII characters' });
  }
  const positive = (path: keyof HttpBackendOptions, zeroOk: boolean) => {
    const value = options[path];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (zeroOk ? 0 : 1)) {
      issues.push({ path, message: `expected an integer ${zeroOk ? '>= 0' : '> 0'} (got ${String(value)})` });
    }
  };
  positive('timeoutMs', false);
  positive('retries', true);
  positive('retryDelayMs', true);
  positive('maxRetryDelayMs', true);
  positive('keysPageSize', false);
  positive('keysDedupWindow', false);
  if (options.readErrors !== undefined && options.readErrors !== 'miss' && options.readErrors !== 'throw') {
    issues.push({ path: 'readErrors', message: "expected 'miss' or 'throw'" });
  }
  for (const fn of ['onError', 'fetch', 'sleep', 'random'] as const) {
    if (options[fn] !== undefined && typeof options[fn] !== 'function') {
      issues.push({ path: fn, message: 'expected a function' });
    }
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    issues.push({ path: 'name', message: 'expected a non-empty string' });
  }
  if (issues.length > 0) throw new ValidationError('Invalid HttpBackend options', issues);
  return url;
}

/** Records the problems of one entry (`value` bytes, `ttlMs` > 0) in `issues`. */
export function checkHttpEntry(issues: ValidationIssue[], value: unknown, ttlMs: unknown, path = ''): void {
  if (!(value instanceof Uint8Array)) issues.push({ path: `${path}value`, message: 'expected a Uint8Array' });
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    issues.push({
      path: `${path}ttlMs`,
      message: `expected a finite number of milliseconds > 0 (got ${String(ttlMs)})`,
    });
  }
}
