/**
 * A byte store behind a small REST protocol (see `./http-protocol.ts` and the README's
 * "Writing a backend"), over the global `fetch`: no dependency.
 *
 * @module
 */
import { InfrastructureError, ValidationError, type ValidationIssue } from '../errors.js';
import { checkHttpEntry, type HttpBackendOptions, validateHttpBackendOptions } from './http-options.js';
import {
  decodeValueFrames,
  encodeEntryFrames,
  entryPath,
  HTTP_BACKEND_BASE_PATH,
  type KeysPage,
  TTL_HEADER,
} from './http-protocol.js';
import { DEFAULT_KEYS_DEDUP_WINDOW, RecentKeys } from './recent-keys.js';
import type { BackendEntry, CacheBackend } from './types.js';

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
  readonly #dedupWindow: number;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #closing = new AbortController();
  #batch: boolean;

  /** @throws {ValidationError} for an invalid option (every problem listed). */
  constructor(options: HttpBackendOptions) {
    const url = validateHttpBackendOptions(options ?? ({} as HttpBackendOptions)) as URL;
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
    this.#dedupWindow = options.keysDedupWindow ?? DEFAULT_KEYS_DEDUP_WINDOW;
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
    checkHttpEntry(issues, value, ttlMs);
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
   * `null` cursor. A failure rejects the iteration. A key reported twice is skipped when it is
   * among the last {@link HttpBackendOptions.keysDedupWindow} keys yielded (100,000 by default):
   * memory stays bounded, and a key may be yielded more than once when the keyspace under
   * `prefix` is larger than that window.
   */
  async *keys(prefix?: string): AsyncIterable<string> {
    const recent = new RecentKeys(this.#dedupWindow);
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
        if (!recent.add(key)) continue;
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
      checkHttpEntry(issues, entry.value, entry.ttlMs, `entries.${i}.`);
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
