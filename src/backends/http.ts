/**
 * A byte store behind a small REST protocol (see `./http-protocol.ts` and the README's
 * "Writing a backend"), over the global `fetch`: no dependency.
 *
 * @module
 */
import { InfrastructureError, ValidationError, type ValidationIssue } from '../errors.js';
import {
  decodeValueFrames,
  encodeEntryFrames,
  entryPath,
  HTTP_BACKEND_BASE_PATH,
  type KeysPage,
  TTL_HEADER,
} from './http-protocol.js';
import type { BackendEntry, CacheBackend } from './types.js';

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

type Reason = 'timeout' | 'network' | 'unauthorized' | 'status' | 'protocol' | 'closed';

interface RequestSpec {
  op: string;
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'POST';
  path: string;
  body?: Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
  /** Statuses that are answers (anything else is a failure). */
  ok: readonly number[];
}

const RETRYABLE = (status: number): boolean => status >= 500 || status === 429;
const NO_BATCH = new Set([404, 405, 501]);
const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function validate(options: HttpBackendOptions): URL | undefined {
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

function checkEntry(issues: ValidationIssue[], value: unknown, ttlMs: unknown, path = ''): void {
  if (!(value instanceof Uint8Array)) issues.push({ path: `${path}value`, message: 'expected a Uint8Array' });
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    issues.push({
      path: `${path}ttlMs`,
      message: `expected a finite number of milliseconds > 0 (got ${String(ttlMs)})`,
    });
  }
}

/** A retryable failure of one attempt (the last one is thrown). */
class Retryable extends Error {
  constructor(
    readonly error: InfrastructureError,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
  }
}

/**
 * A {@link CacheBackend} talking to a remote cache over HTTP: `GET` / `PUT` (`X-TTL-Ms`) /
 * `DELETE` / `HEAD` on `/v1/entries/:key`, `POST /v1/clear?prefix=`, paged
 * `GET /v1/keys?prefix=&cursor=`, and the optional batch routes `POST /v1/get-many` and
 * `/v1/set-many` (the protocol table is in the README). Any server implementing it works;
 * `createHttpBackendServer` (`ai-response-cache/testing`) serves any backend that way.
 *
 * Failures: every request has a deadline (`timeoutMs`); network errors, `5xx` and `429` are
 * retried with exponential backoff and jitter (`retries`); `401` / `403` are not. A failed read
 * is a miss (see {@link HttpBackendOptions.readErrors}); a failed write throws an
 * {@link InfrastructureError} (a `Cache` absorbs it into an `error` event). There is no circuit
 * breaker (no `health`): while the server is down each request fails after at most `retries`
 * refused connections, or once after `timeoutMs` when the server hangs.
 *
 * @example
 * const backend = new HttpBackend({ url: 'http://cache.internal:8080', token: process.env.CACHE_TOKEN });
 * const cache = createCache({ backend });
 */
export class HttpBackend implements CacheBackend {
  /** The {@link HttpBackendOptions.name}. */
  readonly name: string;

  readonly #base: string;
  readonly #origin: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #readErrors: 'miss' | 'throw';
  readonly #onError: ((error: InfrastructureError) => void) | undefined;
  readonly #pageSize: number;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #closing = new AbortController();
  #batch: boolean;

  /** @throws {ValidationError} for an invalid option (every problem listed). */
  constructor(options: HttpBackendOptions) {
    const url = validate(options ?? ({} as HttpBackendOptions)) as URL;
    this.name = options.name ?? 'http';
    this.#base = url.href.replace(/\/+$/, '');
    this.#origin = url.origin;
    this.#headers = { ...options.headers };
    if (options.token !== undefined) this.#headers.authorization = `Bearer ${options.token}`;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#retries = options.retries ?? 2;
    this.#retryDelayMs = options.retryDelayMs ?? 25;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 500;
    this.#readErrors = options.readErrors ?? 'miss';
    this.#onError = options.onError;
    this.#pageSize = options.keysPageSize ?? 500;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
    this.#batch = options.batch ?? true;
  }

  /** {@inheritDoc CacheBackend.get} */
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.#read('get', undefined, () =>
      this.#request({ op: 'get', method: 'GET', path: entryPath(key), ok: [200, 404] }, async (res) =>
        res.status === 404 ? undefined : new Uint8Array(await res.arrayBuffer()),
      ),
    );
  }

  /** {@inheritDoc CacheBackend.has} */
  async has(key: string): Promise<boolean> {
    return this.#read('has', false, () =>
      this.#request(
        { op: 'has', method: 'HEAD', path: entryPath(key), ok: [200, 404] },
        async (res) => res.status === 200,
      ),
    );
  }

  /** {@inheritDoc CacheBackend.set} */
  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const issues: ValidationIssue[] = [];
    checkEntry(issues, value, ttlMs);
    if (issues.length > 0) throw new ValidationError('Invalid backend entry', issues);
    await this.#request(
      {
        op: 'set',
        method: 'PUT',
        path: entryPath(key),
        body: value,
        contentType: 'application/octet-stream',
        headers: { [TTL_HEADER]: String(Math.max(1, Math.ceil(ttlMs))) },
        ok: [200, 201, 204],
      },
      async () => undefined,
    );
  }

  /** {@inheritDoc CacheBackend.delete} */
  async delete(key: string): Promise<boolean> {
    return this.#request(
      { op: 'delete', method: 'DELETE', path: entryPath(key), ok: [200, 204, 404] },
      async (res) => res.status !== 404,
    );
  }

  /** {@inheritDoc CacheBackend.clear} */
  async clear(prefix?: string): Promise<void> {
    const query = prefix ? `?prefix=${encodeURIComponent(prefix)}` : '';
    await this.#request(
      { op: 'clear', method: 'POST', path: `${HTTP_BACKEND_BASE_PATH}/clear${query}`, ok: [200, 204] },
      async () => undefined,
    );
  }

  /**
   * {@inheritDoc CacheBackend.keys}
   *
   * Pages through `GET /v1/keys` (`keysPageSize` keys per request) until the server answers a
   * `null` cursor; a key reported twice is yielded once. A failure rejects the iteration.
   */
  async *keys(prefix?: string): AsyncIterable<string> {
    const seen = new Set<string>();
    let cursor: string | null = '';
    while (cursor !== null) {
      const query = new URLSearchParams({ prefix: prefix ?? '', cursor, limit: String(this.#pageSize) });
      const page: KeysPage = await this.#request(
        { op: 'keys', method: 'GET', path: `${HTTP_BACKEND_BASE_PATH}/keys?${query}`, ok: [200] },
        async (res) => {
          const body = (await res.json()) as Partial<KeysPage> | null;
          const next = body?.cursor;
          if (
            !Array.isArray(body?.keys) ||
            !body.keys.every((k) => typeof k === 'string') ||
            !(next === null || typeof next === 'string')
          ) {
            throw this.#error('keys', 'protocol', 'answered a malformed keys page');
          }
          return { keys: body.keys, cursor: next === '' ? null : next };
        },
      );
      for (const key of page.keys) {
        if (seen.has(key)) continue;
        seen.add(key);
        yield key;
      }
      cursor = page.cursor;
    }
  }

  /** {@inheritDoc CacheBackend.getMany} */
  async getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    if (!this.#batch) return Promise.all(keys.map((key) => this.get(key)));
    const values = await this.#read('getMany', null, () =>
      this.#request(
        {
          op: 'getMany',
          method: 'POST',
          path: `${HTTP_BACKEND_BASE_PATH}/get-many`,
          body: new TextEncoder().encode(JSON.stringify({ keys })),
          contentType: 'application/json',
          ok: [200, ...NO_BATCH],
        },
        async (res) => {
          if (NO_BATCH.has(res.status)) return undefined;
          try {
            return decodeValueFrames(new Uint8Array(await res.arrayBuffer()), keys.length);
          } catch (error) {
            if (error instanceof RangeError)
              throw this.#error('getMany', 'protocol', `answered ${error.message}`);
            throw error;
          }
        },
      ),
    );
    if (values === null) return keys.map(() => undefined);
    if (values !== undefined) return values;
    this.#batch = false;
    return Promise.all(keys.map((key) => this.get(key)));
  }

  /** {@inheritDoc CacheBackend.setMany} */
  async setMany(entries: BackendEntry[]): Promise<void> {
    const issues: ValidationIssue[] = [];
    entries.forEach((entry, i) => {
      checkEntry(issues, entry.value, entry.ttlMs, `entries.${i}.`);
    });
    if (issues.length > 0) throw new ValidationError('Invalid backend entries', issues);
    if (entries.length === 0) return;
    if (this.#batch) {
      const sent = await this.#request(
        {
          op: 'setMany',
          method: 'POST',
          path: `${HTTP_BACKEND_BASE_PATH}/set-many`,
          body: encodeEntryFrames(entries),
          contentType: 'application/octet-stream',
          ok: [200, 204, ...NO_BATCH],
        },
        async (res) => !NO_BATCH.has(res.status),
      );
      if (sent) return;
      this.#batch = false;
    }
    await Promise.all(entries.map((e) => this.set(e.key, e.value, e.ttlMs)));
  }

  /** Aborts requests in flight and rejects further operations. Idempotent. */
  async close(): Promise<void> {
    this.#closing.abort();
  }

  /** Runs a read: its failure is `fallback` (reported to `onError`) unless `readErrors: 'throw'`. */
  async #read<T, F>(op: string, fallback: F, run: () => Promise<T>): Promise<T | F> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      const failure =
        error instanceof InfrastructureError ? error : this.#error(op, 'network', String(error));
      if (this.#readErrors === 'throw' || failure.context.reason === 'closed') throw failure;
      this.#onError?.(failure);
      return fallback;
    }
  }

  /** One request with deadline and retries; `handle` reads the answer (inside the deadline). */
  async #request<T>(spec: RequestSpec, handle: (res: Response) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#attempt(spec, handle);
      } catch (error) {
        if (!(error instanceof Retryable)) throw error;
        if (attempt >= this.#retries || this.#closing.signal.aborted) throw error.error;
        const backoff = Math.min(this.#maxRetryDelayMs, this.#retryDelayMs * 2 ** attempt);
        await this.#sleep(
          Math.min(this.#maxRetryDelayMs, error.retryAfterMs ?? backoff * (0.5 + this.#random() / 2)),
        );
      }
    }
  }

  async #attempt<T>(spec: RequestSpec, handle: (res: Response) => Promise<T>): Promise<T> {
    const { op } = spec;
    if (this.#closing.signal.aborted) throw this.#error(op, 'closed', 'is closed');
    const headers: Record<string, string> = { ...this.#headers, ...spec.headers };
    if (spec.contentType) headers['content-type'] = spec.contentType;
    const signal = AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), this.#closing.signal]);
    let res: Response;
    try {
      res = await this.#fetch(this.#base + spec.path, {
        method: spec.method,
        headers,
        signal,
        ...(spec.body ? { body: spec.body } : {}),
      });
      if (spec.ok.includes(res.status)) return await handle(res);
    } catch (error) {
      if (error instanceof InfrastructureError) throw error;
      if (this.#closing.signal.aborted) throw this.#error(op, 'closed', 'was closed during the request');
      if (signal.aborted) throw this.#error(op, 'timeout', `did not answer within ${this.#timeoutMs} ms`);
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new Retryable(
        this.#error(op, 'network', `is unreachable${typeof code === 'string' ? ` (${code})` : ''}`),
      );
    }
    await res.body?.cancel().catch(() => undefined);
    const { status } = res;
    if (status === 401 || status === 403)
      throw this.#error(op, 'unauthorized', `rejected the credentials (${status})`, status);
    const failure = this.#error(op, 'status', `answered ${status}`, status);
    if (!RETRYABLE(status)) throw failure;
    const after = Number(res.headers.get('retry-after'));
    throw new Retryable(
      failure,
      Number.isFinite(after) && after >= 0 && res.headers.has('retry-after') ? after * 1000 : undefined,
    );
  }

  #error(op: string, reason: Reason, what: string, status?: number): InfrastructureError {
    // A 4xx other than auth and throttling concerns this request only (e.g. 413 for one value).
    const keyScoped =
      status !== undefined &&
      status >= 400 &&
      status < 500 &&
      status !== 401 &&
      status !== 403 &&
      status !== 429;
    return new InfrastructureError(`HttpBackend: ${this.#origin} ${what} (${op})`, {
      scope: keyScoped ? 'key' : 'connection',
      context: {
        backend: this.name,
        op,
        origin: this.#origin,
        reason,
        ...(status === undefined ? {} : { status }),
      },
    });
  }
}
