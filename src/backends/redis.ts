/**
 * Redis byte store on top of ioredis (standalone, Sentinel, TLS, or a Cluster), through one
 * {@link RedisConnection}: a deadline on every command and a circuit breaker.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import { CacheError, InfrastructureError, ValidationError, type ValidationIssue } from '../errors.js';
import { RedisConnection, type RedisRunOptions } from '../redis/connection.js';
import { isCluster } from '../redis/target.js';
import { checkEntry } from './entries.js';
import { DEFAULT_KEYS_DEDUP_WINDOW, RecentKeys } from './recent-keys.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_SCAN_COUNT,
  type RedisBackendOptions,
  type RedisBackendStatus,
  validateOptions,
} from './redis-options.js';
import { ReadBatcher, type ReadCommands } from './redis-reads.js';
import { escapeGlob, toBuffer, toBytes, toPx } from './redis-values.js';
import { WriteBatcher, type WriteCommands } from './redis-writes.js';
import type { BackendEntry, BackendHealth, CacheBackend } from './types.js';

export type { RedisBackendOptions, RedisBackendStatus } from './redis-options.js';

/** The command methods used by the backend; `Redis` and `Cluster` both provide them. */
type Commands = Pick<Redis, 'getBuffer' | 'mgetBuffer' | 'set' | 'unlink' | 'exists' | 'scan' | 'pipeline'>;

/**
 * A {@link CacheBackend} on Redis through ioredis.
 *
 * - Binary safe: values go in as Buffers (`SET key value PX ttl`) and come back as
 *   `Uint8Array`s (`GET` by buffer).
 * - `keyPrefix` is applied by the backend (not by ioredis), so `keys()` and `clear()` stay
 *   inside it. They use `SCAN MATCH <escaped prefix>* COUNT n` (on every master of a Cluster)
 *   and `UNLINK` — never `KEYS`, never `FLUSHDB`.
 * - Every command has a deadline (`commandTimeoutMs`). A circuit breaker ({@link RedisBackend.health})
 *   opens on connection-level failures; while it is open every call rejects at once with a
 *   `CircuitOpenError` and sends nothing, and it closes by itself when Redis answers again
 *   (ioredis reconnects forever, backoff capped at 1 s, on clients the backend creates).
 * - Errors about one key reject with `scope: 'key'` and leave the breaker closed: `WRONGTYPE`
 *   (a non-string value under a cache key; the next `set` overwrites it, since `SET` replaces
 *   any type, and a batched read (`MGET`) sees it as a miss) and `OOM command not allowed`
 *   (the write is refused, reads go on).
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

  readonly #connection: RedisConnection;
  readonly #release: () => Promise<void>;
  readonly #owns: boolean;
  readonly #keyPrefix: string;
  readonly #connectTimeoutMs: number;
  readonly #scanCount: number;
  readonly #dedupWindow: number;
  readonly #onError: ((err: Error) => void) | undefined;
  readonly #unlistenErrors: () => void;
  readonly #run: RedisRunOptions;
  #closed = false;
  /** GETs, batched into MGETs while reads are in flight (standalone Redis only). */
  readonly #reads: ReadBatcher;
  /** SETs and UNLINKs, pipelined while writes are in flight (standalone Redis only). */
  readonly #writes: WriteBatcher;
  #closing: Promise<void> | undefined;

  readonly #handleError = (error: Error): void => {
    if (!this.#onError || this.#closed) return;
    const target = this.#connection.target;
    try {
      this.#onError(
        new InfrastructureError(`Redis connection error (${target}): ${error.message}`, {
          cause: error,
          context: { op: 'connection', backend: 'redis', target },
        }),
      );
    } catch {
      // A failing error handler must not break the client.
    }
  };

  /**
   * @param options the options, or a connection URL (`new RedisBackend(url)` is
   *   `new RedisBackend({ url })`).
   * @throws {ValidationError} for conflicting or invalid options (every problem listed).
   */
  constructor(options: RedisBackendOptions | string = {}) {
    if (typeof options === 'string') options = { url: options };
    validateOptions(options);
    this.#keyPrefix = options.keyPrefix ?? '';
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#scanCount = options.scanCount ?? DEFAULT_SCAN_COUNT;
    this.#dedupWindow = options.keysDedupWindow ?? DEFAULT_KEYS_DEDUP_WINDOW;
    this.#onError = options.onError;
    const common = {
      ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
      connectTimeoutMs: this.#connectTimeoutMs,
      ...(options.breaker === undefined ? {} : { breaker: options.breaker }),
    };
    if (options.client !== undefined) {
      this.#owns = (options.owns ?? options.ownsClient) === true;
      this.#connection = RedisConnection.for(options.client, common);
    } else {
      this.#owns = true;
      this.#connection = new RedisConnection({
        ...common,
        ...(options.url === undefined ? {} : { url: options.url }),
        ...(options.redis === undefined ? {} : { redis: options.redis }),
        ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
      });
    }
    this.#release = this.#connection.retain();
    this.#unlistenErrors = this.#connection.onError(this.#handleError);
    // The backend's own deadline, even on a connection made earlier by a lock or bus.
    this.#run = {
      what: 'Redis',
      timeoutMs: options.commandTimeoutMs ?? this.#connection.commandTimeoutMs,
      context: { backend: 'redis' },
    };
    this.#reads = new ReadBatcher(
      (command) => this.#connection.run('get', (client) => command(client as ReadCommands), this.#run),
      !isCluster(this.#connection.client),
    );
    this.#writes = new WriteBatcher(
      (op, command) => this.#command(op, (client) => command(client as WriteCommands)),
      !isCluster(this.#connection.client),
    );
  }

  /** The underlying ioredis client (shared: do not close it while the backend is in use). */
  get client(): Redis | Cluster {
    return this.#connection.client;
  }

  /**
   * The connection (client, breaker, deadlines, shared subscriber). `RedisLock` and
   * `RedisInvalidationBus` given the same client use it too.
   */
  get connection(): RedisConnection {
    return this.#connection;
  }

  /** {@inheritDoc CacheBackend.health} */
  get health(): BackendHealth {
    return this.#connection.health;
  }

  /** Connection state of the client (`wait` until the first command or {@link connect}). */
  get status(): RedisBackendStatus {
    return this.#connection.status;
  }

  /** The key prefix applied by this backend. */
  get keyPrefix(): string {
    return this.#keyPrefix;
  }

  /**
   * Opens the connection (if not yet open) and resolves once the client is ready.
   * Idempotent: concurrent and later calls share the same wait.
   *
   * @throws {InfrastructureError} when the server cannot be reached, authentication fails,
   * or it is not ready within `connectTimeoutMs`; at once while the breaker is open after a
   * failed attempt. The message names host:port, never the password.
   */
  async connect(): Promise<void> {
    if (this.#closed) throw this.#closedError('connect');
    const connection = this.#connection;
    if (connection.status !== 'ready' && connection.health.state !== 'closed') {
      // A connection attempt already failed: say so at once (ioredis keeps reconnecting, and
      // the breaker closes when it is ready) instead of waiting for the next attempt.
      const cause = connection.health.reason;
      throw new InfrastructureError(
        `Could not connect to Redis at ${connection.target}: ${cause?.message ?? 'the circuit breaker is open'}`,
        {
          ...(cause ? { cause } : {}),
          context: { op: 'connect', backend: 'redis', target: connection.target, reason: 'circuit-open' },
        },
      );
    }
    try {
      await connection.waitReady(this.#connectTimeoutMs);
    } catch (error) {
      const cause = error instanceof CacheError ? (error.cause as Error | undefined) : (error as Error);
      const reason =
        error instanceof InfrastructureError && error.context.reason === 'timeout'
          ? `not ready after ${this.#connectTimeoutMs} ms`
          : ((cause as Error | undefined)?.message ?? String(error));
      throw new InfrastructureError(`Could not connect to Redis at ${connection.target}: ${reason}`, {
        ...(cause ? { cause } : {}),
        context: { op: 'connect', backend: 'redis', target: connection.target },
      });
    }
  }

  /**
   * {@inheritDoc CacheBackend.get}
   *
   * While reads are in flight, reads issued in the same tick go out as one `MGET` (standalone
   * Redis); a read with nothing in flight is sent at once.
   */
  get(key: string): Promise<Uint8Array | undefined> {
    if (this.#closed) return Promise.reject(this.#closedError('get'));
    return this.#reads.get(this.#key(key));
  }

  /** {@inheritDoc CacheBackend.set} */
  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const issues: ValidationIssue[] = [];
    checkEntry(issues, value, ttlMs);
    if (issues.length > 0) throw new ValidationError('Invalid backend entry', issues);
    const fullKey = this.#key(key);
    const buffer = toBuffer(value);
    const px = toPx(ttlMs);
    await this.#writes.write({
      op: 'set',
      single: (client) => client.set(fullKey, buffer, 'PX', px),
      queue: (pipeline) => pipeline.set(fullKey, buffer, 'PX', px),
    });
  }

  /** {@inheritDoc CacheBackend.delete} */
  async delete(key: string): Promise<boolean> {
    const fullKey = this.#key(key);
    const removed = await this.#writes.write({
      op: 'delete',
      single: (client) => client.unlink(fullKey),
      queue: (pipeline) => pipeline.unlink(fullKey),
    });
    return removed > 0;
  }

  /** {@inheritDoc CacheBackend.has} */
  async has(key: string): Promise<boolean> {
    const count = await this.#command('has', (client) => client.exists(this.#key(key)));
    return count > 0;
  }

  /**
   * {@inheritDoc CacheBackend.clear}
   *
   * SCANs for `keyPrefix + prefix` and UNLINKs what it finds, batch by batch. With an empty
   * `keyPrefix` and no `prefix`, this empties the whole database (still without FLUSHDB).
   */
  async clear(prefix = ''): Promise<void> {
    const client = this.#connection.client;
    const cluster = isCluster(client) ? client : undefined;
    for await (const batch of this.#scan('clear', prefix)) {
      if (batch.length === 0) continue;
      if (cluster) {
        // Keys of one node may live in different slots: UNLINK one by one (auto-pipelined).
        await this.#command('clear', () => Promise.all(batch.map((key) => cluster.unlink(key))));
      } else {
        await this.#command('clear', (commands) => commands.unlink(...batch));
      }
    }
  }

  /**
   * {@inheritDoc CacheBackend.keys}
   *
   * Yields keys without the backend's `keyPrefix`. SCAN may report a key twice: the iteration
   * remembers the last {@link RedisBackendOptions.keysDedupWindow} keys it yielded (100,000 by
   * default) and skips those, so its memory stays bounded. It may therefore yield a key more
   * than once when the keyspace under `prefix` is larger than that window.
   */
  async *keys(prefix = ''): AsyncIterable<string> {
    const recent = new RecentKeys(this.#dedupWindow);
    for await (const batch of this.#scan('keys', prefix)) {
      for (const fullKey of batch) {
        if (!recent.add(fullKey)) continue;
        yield fullKey.slice(this.#keyPrefix.length);
      }
    }
  }

  /** {@inheritDoc CacheBackend.getMany} */
  async getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    const fullKeys = keys.map((key) => this.#key(key));
    const client = this.#connection.client;
    const values = await this.#command('getMany', (commands) =>
      isCluster(client)
        ? // Keys may hash to different slots: one GET each, batched by auto-pipelining.
          Promise.all(fullKeys.map((key) => client.getBuffer(key)))
        : commands.mgetBuffer(fullKeys),
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
    const client = this.#connection.client;
    if (isCluster(client)) {
      await this.#command('setMany', () =>
        Promise.all(
          entries.map((entry) =>
            client.set(this.#key(entry.key), toBuffer(entry.value), 'PX', toPx(entry.ttlMs)),
          ),
        ),
      );
      return;
    }
    await this.#command('setMany', async (commands) => {
      const pipeline = commands.pipeline();
      for (const entry of entries) {
        pipeline.set(this.#key(entry.key), toBuffer(entry.value), 'PX', toPx(entry.ttlMs));
      }
      const results = await pipeline.exec();
      const failure = results?.find(([error]) => error);
      // The first failed entry decides (an OOM refusal is about the writes, not the connection).
      if (!results || failure) throw failure?.[0] ?? new Error('pipeline was discarded');
    });
  }

  /**
   * Closes the backend, fast even with Redis down or hung. An owned client (created by the
   * backend, or given with `owns: true`) is closed with its connection (`QUIT` when ready,
   * waiting at most ~50 ms, then a hard disconnect; no timer left behind); a client passed in
   * is left open (only the backend's listeners are removed). Idempotent.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#unlistenErrors();
    if (this.#owns) await this.#connection.close(true);
    else await this.#release();
  }

  #key(key: string): string {
    return this.#keyPrefix + key;
  }

  /** Runs one command on the connection (breaker, deadline, error mapping), unless closed. */
  #command<T>(op: string, command: (client: Commands) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError(op));
    return this.#connection.run(op, command as (client: Redis | Cluster) => Promise<T>, this.#run);
  }

  /** SCAN batches (full keys) under `keyPrefix + prefix`, over every master of a Cluster. */
  async *#scan(op: string, prefix: string): AsyncGenerator<string[]> {
    const fullPrefix = this.#keyPrefix + prefix;
    const pattern = `${escapeGlob(fullPrefix)}*`;
    const client = this.#connection.client;
    const nodes: Commands[] = isCluster(client)
      ? await this.#command(op, async () => client.nodes('master'))
      : [client as Commands];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, batch] = await this.#command(op, () =>
          node.scan(cursor, 'MATCH', pattern, 'COUNT', this.#scanCount),
        );
        cursor = next;
        yield batch.filter((key) => key.startsWith(fullPrefix));
      } while (cursor !== '0');
    }
  }

  #closedError(op: string): InfrastructureError {
    return new InfrastructureError('RedisBackend is closed', {
      context: { op, backend: 'redis', target: this.#connection.target, reason: 'closed' },
    });
  }
}
