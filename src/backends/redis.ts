/**
 * Redis byte store on top of ioredis (standalone, sentinel, TLS, or a Cluster passed in).
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { CacheError, InfrastructureError, ValidationError, type ValidationIssue } from '../errors.js';
import { closeOwnedClient, describeTarget, isCluster, sanitize } from './redis-client.js';
import type { BackendEntry, CacheBackend } from './types.js';

/** A caller of `get` waiting for its batch. */
interface GetWaiter {
  resolve: (value: Uint8Array | undefined) => void;
  reject: (error: unknown) => void;
}

/** A command in flight, with its deadline (performance.now() clock). */
interface Pending {
  op: string;
  deadline: number;
  reject: (error: Error) => void;
}

/**
 * Options of {@link RedisBackend}. Give a `client`, or a `url` and/or `redis` options (options
 * complete or override what the URL says, e.g. a password or TLS files kept out of the URL).
 */
export interface RedisBackendOptions {
  /**
   * Connection URL: `redis://[[user]:password@]host[:port][/db]`, or `rediss://...` for TLS.
   * @default 'redis://127.0.0.1:6379' (when neither `redis` nor `client` is given)
   */
  url?: string;
  /**
   * ioredis options for a client the backend creates (host, port, password, tls, db,
   * sentinels, ...). They override the backend's defaults, except `lazyConnect` (always
   * `true`) and `keyPrefix` (rejected: use {@link RedisBackendOptions.keyPrefix}).
   * @default undefined
   */
  redis?: RedisOptions;
  /**
   * An existing ioredis `Redis` or `Cluster` client. It is not closed by
   * {@link RedisBackend.close} unless {@link RedisBackendOptions.ownsClient} is `true`. It must
   * not use ioredis' own `keyPrefix` option (SCAN does not apply it).
   * @default undefined
   */
  client?: Redis | Cluster;
  /**
   * Whether {@link RedisBackend.close} closes the client given in `client`. Clients created
   * by the backend (from `url` / `redis`) are always owned and closed.
   * @default false
   */
  ownsClient?: boolean;
  /**
   * Prepended by the backend to every key, and stripped from the keys yielded by `keys()`.
   * `clear()` without a prefix removes only keys under it (all keys of the database when empty).
   * @default ''
   */
  keyPrefix?: string;
  /**
   * Upper bound, in milliseconds, for any single Redis command: on a hung or paused server
   * the call rejects with an {@link InfrastructureError} after this long. Also set as ioredis
   * `commandTimeout` on clients the backend creates.
   * @default 1000
   */
  commandTimeoutMs?: number;
  /**
   * Upper bound, in milliseconds, for {@link RedisBackend.connect}; also ioredis
   * `connectTimeout` on clients the backend creates.
   * @default 10_000
   */
  connectTimeoutMs?: number;
  /**
   * `COUNT` hint of each `SCAN` issued by `keys()` and `clear()`.
   * @default 500
   */
  scanCount?: number;
  /**
   * Receives the client's `error` events (connection refused, reconnect failures, ...),
   * wrapped in an {@link InfrastructureError} whose cause carries no command arguments.
   * Errors are swallowed when omitted (ioredis never prints "Unhandled error event").
   * @default undefined
   */
  onError?: (err: Error) => void;
}

/** Connection state of the underlying ioredis client. */
export type RedisBackendStatus = Redis['status'] | Cluster['status'];

/** The command methods used by the backend; `Redis` and `Cluster` both provide them. */
type Commands = Pick<Redis, 'getBuffer' | 'set' | 'unlink' | 'exists' | 'scan' | 'quit'>;

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_SCAN_COUNT = 500;

const noop = (): void => {};

/** Escapes the glob metacharacters of a Redis `MATCH` pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** A Buffer view over the same memory (no copy). */
function toBuffer(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** A plain Uint8Array view over a Buffer returned by ioredis (no copy). */
function toBytes(value: Buffer | null | undefined): Uint8Array | undefined {
  if (value === null || value === undefined) return undefined;
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** Redis `PX` wants a positive integer. */
function toPx(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
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

function checkPositive(issues: ValidationIssue[], path: string, value: unknown, integer: boolean): void {
  if (value === undefined) return;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value > 0 &&
    (!integer || Number.isSafeInteger(value));
  if (!ok) {
    issues.push({
      path,
      message: `expected a positive ${integer ? 'integer' : 'number'} (got ${String(value)})`,
    });
  }
}

function validateOptions(options: RedisBackendOptions): void {
  const issues: ValidationIssue[] = [];
  if (options.client !== undefined && (options.url !== undefined || options.redis !== undefined)) {
    const other = options.url !== undefined ? 'url' : 'redis';
    issues.push({ path: '', message: `give either client or url/redis options (got client and ${other})` });
  }
  if (options.url !== undefined) {
    let protocol: string | undefined;
    try {
      protocol = typeof options.url === 'string' ? new URL(options.url).protocol : undefined;
    } catch {
      protocol = undefined;
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') {
      // Never echo the URL: it may hold a password.
      issues.push({ path: 'url', message: 'expected a redis:// or rediss:// URL' });
    }
  }
  if (options.redis !== undefined) {
    if (typeof options.redis !== 'object' || options.redis === null) {
      issues.push({ path: 'redis', message: 'expected an ioredis options object' });
    } else if (options.redis.keyPrefix) {
      issues.push({
        path: 'redis.keyPrefix',
        message: "ioredis' keyPrefix is not applied by SCAN; use the backend's keyPrefix option instead",
      });
    }
  }
  if (options.client !== undefined) {
    const client = options.client as unknown as { getBuffer?: unknown; options?: Record<string, unknown> };
    if (typeof client !== 'object' || client === null || typeof client.getBuffer !== 'function') {
      issues.push({ path: 'client', message: 'expected an ioredis Redis or Cluster instance' });
    } else {
      const redisOptions = client.options?.redisOptions as { keyPrefix?: unknown } | undefined;
      if (client.options?.keyPrefix || redisOptions?.keyPrefix) {
        issues.push({
          path: 'client',
          message:
            "the client uses ioredis' keyPrefix, which SCAN ignores; use the backend's keyPrefix option instead",
        });
      }
    }
  }
  if (options.keyPrefix !== undefined && typeof options.keyPrefix !== 'string') {
    issues.push({ path: 'keyPrefix', message: 'expected a string' });
  }
  checkPositive(issues, 'commandTimeoutMs', options.commandTimeoutMs, false);
  checkPositive(issues, 'connectTimeoutMs', options.connectTimeoutMs, false);
  checkPositive(issues, 'scanCount', options.scanCount, true);
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    issues.push({ path: 'onError', message: 'expected a function' });
  }
  if (issues.length > 0) throw new ValidationError('Invalid RedisBackend options', issues);
}

/**
 * A {@link CacheBackend} on Redis through ioredis.
 *
 * - Binary safe: values go in as Buffers (`SET key value PX ttl`) and come back as
 *   `Uint8Array`s (`GET` by buffer).
 * - `keyPrefix` is applied by the backend (not by ioredis), so `keys()` and `clear()` stay
 *   inside it. They use `SCAN MATCH <escaped prefix>* COUNT n` (on every master of a Cluster)
 *   and `UNLINK` — never `KEYS`, never `FLUSHDB`.
 * - Every call is bounded by `commandTimeoutMs`; once the client has been ready, calls fail
 *   fast with an {@link InfrastructureError} while the connection is down instead of queueing,
 *   and work again as soon as ioredis has reconnected (it retries forever, backoff capped at
 *   1 s, on clients the backend creates).
 * - Clients created by the backend are lazy: the first command (or {@link RedisBackend.connect})
 *   opens the connection.
 *
 * @example
 * const backend = new RedisBackend({ url: 'redis://127.0.0.1:6379', keyPrefix: 'app:' });
 * await backend.connect();
 */
export class RedisBackend implements CacheBackend {
  /** Always `'redis'`. */
  readonly name = 'redis';

  readonly #client: Redis | Cluster;
  readonly #ownsClient: boolean;
  readonly #keyPrefix: string;
  readonly #commandTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #scanCount: number;
  readonly #onError: ((err: Error) => void) | undefined;
  readonly #target: string;
  #everReady: boolean;
  #lastError: Error | undefined;
  #closed = false;
  /** Commands in flight, watched by one timer for their deadline. */
  readonly #pending = new Set<Pending>();
  /** Reads waiting for the end of the current tick, to be sent as one MGET. */
  #getBatch: { keys: string[]; waiters: GetWaiter[] } | undefined;
  /** Read commands (GET or MGET) sent and not answered yet. */
  #readsInFlight = 0;
  /** Whether reads are batched (standalone Redis only: MGET cannot span Cluster slots). */
  readonly #batchGets: boolean;
  /** Whether the client bounds commands itself (ioredis `commandTimeout`); else the watchdog does. */
  readonly #nativeTimeout: boolean;
  #watchdog: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #connecting: Promise<void> | undefined;

  readonly #handleError = (error: unknown): void => {
    const clean = sanitize(error);
    this.#lastError = clean;
    if (!this.#onError) return;
    try {
      this.#onError(
        new InfrastructureError(`Redis connection error (${this.#target}): ${clean.message}`, {
          cause: clean,
          context: { op: 'connection', backend: 'redis', target: this.#target },
        }),
      );
    } catch {
      // A failing error handler must not break the client.
    }
  };

  readonly #handleReady = (): void => {
    this.#everReady = true;
    this.#lastError = undefined;
  };

  /**
   * @throws {ValidationError} for conflicting or invalid options (every problem listed).
   */
  constructor(options: RedisBackendOptions = {}) {
    validateOptions(options);
    this.#keyPrefix = options.keyPrefix ?? '';
    this.#commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#scanCount = options.scanCount ?? DEFAULT_SCAN_COUNT;
    this.#onError = options.onError;

    if (options.client !== undefined) {
      this.#client = options.client;
      this.#ownsClient = options.ownsClient === true;
    } else {
      const defaults: RedisOptions = {
        lazyConnect: true,
        // Measured (npm run bench): auto-pipelining costs ~25% of p50 at one request in flight
        // and did not win at 64 in flight; pass `redis: { enableAutoPipelining: true }` to opt in.
        enableAutoPipelining: false,
        enableOfflineQueue: true,
        maxRetriesPerRequest: 1,
        // No ioredis commandTimeout (a timer per command: measured +4% on sequential L2 p50):
        // the backend's watchdog (one timer for everything in flight) bounds every command,
        // and batched reads share one guard. A client configured with its own commandTimeout
        // (not above commandTimeoutMs) is trusted to bound its commands instead.
        connectTimeout: this.#connectTimeoutMs,
        retryStrategy: (times) => Math.min(times * 50, 1000),
        // Sentinel only (ignored otherwise): follow +switch-master at once. Without it the client
        // stays on a failed-over master, and its writes are lost, until the sentinel demotes it.
        failoverDetector: true,
      };
      this.#client =
        options.url === undefined && options.redis !== undefined
          ? new Redis({ ...defaults, ...options.redis, lazyConnect: true })
          : new Redis(options.url ?? DEFAULT_URL, { ...defaults, ...options.redis, lazyConnect: true });
      this.#ownsClient = true;
    }
    const ownTimeout = (this.#client.options as { commandTimeout?: number } | undefined)?.commandTimeout;
    this.#nativeTimeout =
      typeof ownTimeout === 'number' && ownTimeout > 0 && ownTimeout <= this.#commandTimeoutMs;
    this.#batchGets = !isCluster(this.#client);
    this.#target = describeTarget(this.#client);
    this.#everReady = this.#client.status === 'ready';
    this.#client.on('error', this.#handleError);
    this.#client.on('ready', this.#handleReady);
  }

  /** The underlying ioredis client (shared: do not close it while the backend is in use). */
  get client(): Redis | Cluster {
    return this.#client;
  }

  /** Connection state of the client (`wait` until the first command or {@link connect}). */
  get status(): RedisBackendStatus {
    return this.#client.status;
  }

  /** The key prefix applied by this backend. */
  get keyPrefix(): string {
    return this.#keyPrefix;
  }

  /**
   * Opens the connection (if not yet open) and resolves once the client is ready.
   * Idempotent: concurrent and later calls share the same attempt.
   *
   * @throws {InfrastructureError} when the server cannot be reached, authentication fails,
   * or it is not ready within `connectTimeoutMs`. The message names host:port, never the
   * password.
   */
  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError('connect'));
    if (this.#client.status === 'ready') return Promise.resolve();
    if (this.#connecting) return this.#connecting;
    const client = this.#client;
    const attempt = new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onError);
        client.off('end', onEnd);
      };
      const fail = (reason: string, cause?: Error) => {
        cleanup();
        reject(
          new InfrastructureError(`Could not connect to Redis at ${this.#target}: ${reason}`, {
            ...(cause ? { cause } : {}),
            context: { op: 'connect', backend: 'redis', target: this.#target },
          }),
        );
      };
      const onReady = () => {
        cleanup();
        resolve();
      };
      const onError = (error: unknown) => {
        const clean = sanitize(error);
        fail(clean.message, clean);
      };
      const onEnd = () => fail('connection closed', this.#lastError);
      const timer = setTimeout(
        () => fail(`not ready after ${this.#connectTimeoutMs} ms`, this.#lastError),
        this.#connectTimeoutMs,
      );
      client.on('ready', onReady);
      client.on('error', onError);
      client.on('end', onEnd);
      if (client.status === 'wait' || client.status === 'end') client.connect().catch(noop);
    });
    this.#connecting = attempt;
    const forget = () => {
      if (this.#connecting === attempt) this.#connecting = undefined;
    };
    attempt.then(forget, forget);
    return attempt;
  }

  /** {@inheritDoc CacheBackend.get} */
  get(key: string): Promise<Uint8Array | undefined> {
    try {
      this.#check('get');
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#batchGets && (this.#readsInFlight > 0 || this.#getBatch !== undefined)) {
      // While reads are in flight, new ones issued in the same tick go out as one MGET (one
      // write, one reply): with many reads in flight, per-command syscalls dominate the cost
      // (npm run bench, scenario 2). A read with nothing in flight is sent at once.
      return new Promise((resolve, reject) => {
        let batch = this.#getBatch;
        if (batch === undefined) {
          batch = { keys: [], waiters: [] };
          this.#getBatch = batch;
          queueMicrotask(this.#flushGets);
        }
        batch.keys.push(this.#key(key));
        batch.waiters.push({ resolve, reject });
      });
    }
    // Nothing else in flight (the sequential case): send at once, no batching delay.
    return this.#sendGet(this.#key(key));
  }

  /** Bookkeeping of reads in flight (they decide whether the next read is batched). */
  readonly #readDone = (): void => {
    this.#readsInFlight--;
  };

  /** One GET, bounded by the command timeout. */
  #sendGet(fullKey: string): Promise<Uint8Array | undefined> {
    this.#readsInFlight++;
    const pending = this.#commands.getBuffer(fullKey);
    pending.then(this.#readDone, this.#readDone);
    return this.#nativeTimeout
      ? pending.then(toBytes, this.#rejectGet)
      : this.#guard('get', pending, toBytes);
  }

  readonly #flushGets = (): void => {
    const batch = this.#getBatch;
    this.#getBatch = undefined;
    if (batch === undefined) return;
    const { keys, waiters } = batch;
    if (keys.length === 1) {
      const waiter = waiters[0] as GetWaiter;
      this.#sendGet(keys[0] as string).then(waiter.resolve, waiter.reject);
      return;
    }
    this.#readsInFlight++;
    const pending = (this.#commands as Redis).mgetBuffer(...keys);
    pending.then(this.#readDone, this.#readDone);
    const bounded = this.#nativeTimeout ? pending : this.#guard('get', pending);
    bounded.then(
      (values) => {
        for (let i = 0; i < waiters.length; i++)
          (waiters[i] as GetWaiter).resolve(toBytes(values[i] ?? null));
      },
      (error: unknown) => {
        const wrapped = this.#wrap('get', error);
        for (const waiter of waiters) waiter.reject(wrapped);
      },
    );
  };

  /** {@inheritDoc CacheBackend.set} */
  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const issues: ValidationIssue[] = [];
    checkEntry(issues, value, ttlMs);
    if (issues.length > 0) throw new ValidationError('Invalid backend entry', issues);
    await this.#run('set', () => this.#commands.set(this.#key(key), toBuffer(value), 'PX', toPx(ttlMs)));
  }

  /** {@inheritDoc CacheBackend.delete} */
  async delete(key: string): Promise<boolean> {
    const removed = await this.#run('delete', () => this.#commands.unlink(this.#key(key)));
    return removed > 0;
  }

  /** {@inheritDoc CacheBackend.has} */
  async has(key: string): Promise<boolean> {
    const count = await this.#run('has', () => this.#commands.exists(this.#key(key)));
    return count > 0;
  }

  /**
   * {@inheritDoc CacheBackend.clear}
   *
   * SCANs for `keyPrefix + prefix` and UNLINKs what it finds, batch by batch. With an empty
   * `keyPrefix` and no `prefix`, this empties the whole database (still without FLUSHDB).
   */
  async clear(prefix = ''): Promise<void> {
    const cluster = isCluster(this.#client) ? this.#client : undefined;
    for await (const batch of this.#scan('clear', prefix)) {
      if (batch.length === 0) continue;
      if (cluster) {
        // Keys of one node may live in different slots: UNLINK one by one (auto-pipelined).
        await this.#run('clear', () => Promise.all(batch.map((key) => cluster.unlink(key))));
      } else {
        await this.#run('clear', () => this.#commands.unlink(...batch));
      }
    }
  }

  /**
   * {@inheritDoc CacheBackend.keys}
   *
   * Yields keys without the backend's `keyPrefix`, each once (SCAN may report a key twice;
   * the keys already yielded are remembered for the duration of the iteration).
   */
  async *keys(prefix = ''): AsyncIterable<string> {
    const seen = new Set<string>();
    for await (const batch of this.#scan('keys', prefix)) {
      for (const fullKey of batch) {
        if (seen.has(fullKey)) continue;
        seen.add(fullKey);
        yield fullKey.slice(this.#keyPrefix.length);
      }
    }
  }

  /** {@inheritDoc CacheBackend.getMany} */
  async getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    const fullKeys = keys.map((key) => this.#key(key));
    const client = this.#client;
    const values = await this.#run('getMany', () =>
      isCluster(client)
        ? // Keys may hash to different slots: one GET each, batched by auto-pipelining.
          Promise.all(fullKeys.map((key) => client.getBuffer(key)))
        : client.mgetBuffer(fullKeys),
    );
    return values.map(toBytes);
  }

  /** {@inheritDoc CacheBackend.setMany} */
  async setMany(entries: BackendEntry[]): Promise<void> {
    const issues: ValidationIssue[] = [];
    entries.forEach((entry, index) => {
      checkEntry(issues, entry.value, entry.ttlMs, `entries.${index}.`);
    });
    if (issues.length > 0) throw new ValidationError('Invalid backend entries', issues);
    if (entries.length === 0) return;
    const client = this.#client;
    if (isCluster(client)) {
      await this.#run('setMany', () =>
        Promise.all(
          entries.map((entry) =>
            client.set(this.#key(entry.key), toBuffer(entry.value), 'PX', toPx(entry.ttlMs)),
          ),
        ),
      );
      return;
    }
    const results = await this.#run('setMany', () => {
      const pipeline = client.pipeline();
      for (const entry of entries) {
        pipeline.set(this.#key(entry.key), toBuffer(entry.value), 'PX', toPx(entry.ttlMs));
      }
      return pipeline.exec();
    });
    const failure = results?.find(([error]) => error);
    if (!results || failure) {
      throw this.#wrap('setMany', failure?.[0] ?? new Error('pipeline was discarded'));
    }
  }

  /**
   * Closes the backend. An owned client is closed gracefully (`QUIT`, bounded by
   * `commandTimeoutMs`, then a hard disconnect); a client passed in is left open (only the
   * backend's listeners are removed). Idempotent.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const client = this.#client;
    if (!this.#ownsClient) {
      client.off('error', this.#handleError);
      client.off('ready', this.#handleReady);
      return;
    }
    // The error listener stays: a late socket error must not become "Unhandled error event".
    await closeOwnedClient(client, this.#commandTimeoutMs);
  }

  get #commands(): Commands {
    return this.#client as Commands;
  }

  #key(key: string): string {
    return this.#keyPrefix + key;
  }

  /** SCAN batches (full keys) under `keyPrefix + prefix`, over every master of a Cluster. */
  async *#scan(op: string, prefix: string): AsyncGenerator<string[]> {
    const fullPrefix = this.#keyPrefix + prefix;
    const pattern = `${escapeGlob(fullPrefix)}*`;
    const nodes: Commands[] = isCluster(this.#client)
      ? await this.#run(op, async () => (this.#client as Cluster).nodes('master'))
      : [this.#commands];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, batch] = await this.#run(op, () =>
          node.scan(cursor, 'MATCH', pattern, 'COUNT', this.#scanCount),
        );
        cursor = next;
        yield batch.filter((key) => key.startsWith(fullPrefix));
      } while (cursor !== '0');
    }
  }

  /**
   * Runs one command: fails fast when closed or when a once-ready connection is down, and
   * never waits longer than `commandTimeoutMs`.
   */
  async #run<T>(op: string, command: () => Promise<T>): Promise<T> {
    this.#check(op);
    let pending: Promise<T>;
    try {
      pending = command();
    } catch (error) {
      throw this.#wrap(op, error);
    }
    if (!this.#nativeTimeout) return this.#guard(op, pending);
    try {
      return await pending;
    } catch (error) {
      throw this.#wrap(op, error);
    }
  }

  readonly #rejectGet = (error: unknown): never => {
    throw this.#wrap('get', error);
  };

  /** Fails fast when closed, or when a connection that has been ready is down. */
  #check(op: string): void {
    if (this.#closed) throw this.#closedError(op);
    const status = this.#client.status;
    if (this.#everReady && status !== 'ready') {
      const last = this.#lastError ? `; last error: ${this.#lastError.message}` : '';
      throw new InfrastructureError(`Redis at ${this.#target} is unavailable (status: ${status})${last}`, {
        ...(this.#lastError ? { cause: this.#lastError } : {}),
        context: { op, backend: 'redis', target: this.#target, reason: 'disconnected', status },
      });
    }
  }

  /**
   * Settles with the command, or rejects with a timeout once it has run `commandTimeoutMs`.
   * One watchdog timer serves every pending command (a timer per command measurably slowed
   * the hot path), so a timeout fires within `commandTimeoutMs * 1.25`.
   */
  #guard<T, R = T>(op: string, pending: Promise<T>, map?: (value: T) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const entry: Pending = { op, deadline: performance.now() + this.#commandTimeoutMs, reject };
      this.#pending.add(entry);
      this.#armWatchdog();
      pending.then(
        (value) => {
          this.#pending.delete(entry);
          resolve(map ? map(value) : (value as unknown as R));
        },
        (error: unknown) => {
          this.#pending.delete(entry);
          reject(this.#wrap(op, error));
        },
      );
    });
  }

  #armWatchdog(): void {
    if (this.#watchdog) return;
    const period = Math.max(5, Math.ceil(this.#commandTimeoutMs / 4));
    this.#watchdog = setInterval(() => {
      if (this.#pending.size === 0) {
        clearInterval(this.#watchdog);
        this.#watchdog = undefined;
        return;
      }
      const now = performance.now();
      for (const entry of this.#pending) {
        if (entry.deadline > now) continue;
        this.#pending.delete(entry);
        entry.reject(
          new InfrastructureError(
            `Redis ${entry.op} on ${this.#target} timed out after ${this.#commandTimeoutMs} ms`,
            {
              context: {
                op: entry.op,
                backend: 'redis',
                target: this.#target,
                reason: 'timeout',
                timeoutMs: this.#commandTimeoutMs,
              },
            },
          ),
        );
      }
    }, period);
    this.#watchdog.unref();
  }

  #wrap(op: string, error: unknown): CacheError {
    if (error instanceof CacheError) return error;
    const clean = sanitize(error);
    if (clean.message === 'Command timed out') {
      return new InfrastructureError(
        `Redis ${op} on ${this.#target} timed out after ${this.#commandTimeoutMs} ms`,
        {
          cause: clean,
          context: {
            op,
            backend: 'redis',
            target: this.#target,
            reason: 'timeout',
            timeoutMs: this.#commandTimeoutMs,
          },
        },
      );
    }
    return new InfrastructureError(`Redis ${op} failed on ${this.#target}: ${clean.message}`, {
      cause: clean,
      context: { op, backend: 'redis', target: this.#target, reason: 'command' },
    });
  }

  #closedError(op: string): InfrastructureError {
    return new InfrastructureError('RedisBackend is closed', {
      context: { op, backend: 'redis', target: this.#target, reason: 'closed' },
    });
  }
}
