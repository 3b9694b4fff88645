/**
 * Options of the Redis backend, their defaults and their validation.
 *
 * @module
 */
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { type BreakerOptions, checkBreakerOptions } from '../redis/breaker.js';
import { checkDedupWindow } from './recent-keys.js';

/**
 * Options of {@link RedisBackend}. Give a `client`, a `cluster`, or a `url` and/or `redis`
 * options (options complete or override what the URL says, e.g. a password or TLS files kept
 * out of the URL).
 */
export interface RedisBackendOptions {
  /**
   * Connection URL: `redis://[[user]:password@]host[:port][/db]`, or `rediss://...` for TLS.
   * @default 'redis://127.0.0.1:6379' (when neither `redis`, `cluster` nor `client` is given)
   */
  url?: string;
  /**
   * ioredis options for a client the backend creates (host, port, username, password, tls,
   * db, sentinels + name, ...). They override the backend's defaults, except `lazyConnect`
   * (always `true`) and `keyPrefix` (rejected: use {@link RedisBackendOptions.keyPrefix}).
   * @default undefined
   */
  redis?: RedisOptions;
  /**
   * A Redis Cluster for the backend to create: startup nodes and ioredis Cluster options.
   * @default undefined
   */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /**
   * An existing ioredis `Redis` or `Cluster` client. It is not closed by
   * {@link RedisBackend.close} unless {@link RedisBackendOptions.owns} is `true`. It must
   * not use ioredis' own `keyPrefix` option (SCAN does not apply it). A lock or bus given the
   * same client shares the backend's connection (breaker and subscriber).
   * @default undefined
   */
  client?: Redis | Cluster;
  /**
   * Whether {@link RedisBackend.close} closes the client given in `client`. Clients created
   * by the backend (from `url` / `redis` / `cluster`) are always owned and closed.
   * @default false
   */
  owns?: boolean;
  /**
   * Deprecated alias of {@link RedisBackendOptions.owns}.
   * @deprecated use `owns`
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
   * Deadline, in milliseconds, of every Redis command: on a hung or paused server the call
   * rejects with an {@link InfrastructureError} after this long (and the breaker counts it).
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
   * How many of the keys it yielded last one `keys()` iteration remembers, to skip a key that
   * `SCAN` reports twice (it may, while Redis resizes its tables). Memory stays within this many
   * keys however large the keyspace; a key reported again after more than this many other keys
   * is yielded again.
   * @default 100_000
   */
  keysDedupWindow?: number;
  /**
   * Circuit breaker tuning (probe interval and backoff, threshold of missed deadlines).
   * @default {} (probe after 200 ms, doubling up to 2 s; 3 consecutive missed deadlines)
   */
  breaker?: BreakerOptions;
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

/** Default upper bound of `RedisBackend.connect`, in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Default `COUNT` hint of each `SCAN`. */
export const DEFAULT_SCAN_COUNT = 500;

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

/**
 * Checks the options of a {@link RedisBackend}.
 *
 * @throws {ValidationError} listing every problem.
 */
export function validateOptions(options: RedisBackendOptions): void {
  const issues: ValidationIssue[] = [];
  const sources = (['url', 'redis', 'cluster'] as const).filter((name) => options[name] !== undefined);
  if (options.client !== undefined && sources.length > 0) {
    issues.push({
      path: '',
      message: `give either client or url/redis/cluster options (got client and ${sources[0]})`,
    });
  }
  if (options.cluster !== undefined && (options.url !== undefined || options.redis !== undefined)) {
    issues.push({ path: 'cluster', message: 'give either cluster or url/redis options' });
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
  if (options.cluster !== undefined) {
    const cluster = options.cluster as {
      nodes?: unknown;
      options?: { keyPrefix?: unknown; redisOptions?: { keyPrefix?: unknown } };
    };
    if (
      typeof cluster !== 'object' ||
      cluster === null ||
      !Array.isArray(cluster.nodes) ||
      cluster.nodes.length === 0
    ) {
      issues.push({ path: 'cluster.nodes', message: 'expected a non-empty array of startup nodes' });
    } else if (cluster.options?.keyPrefix || cluster.options?.redisOptions?.keyPrefix) {
      issues.push({
        path: 'cluster.options',
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
  for (const name of ['owns', 'ownsClient'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') {
      issues.push({ path: name, message: 'expected a boolean' });
    }
  }
  if (options.keyPrefix !== undefined && typeof options.keyPrefix !== 'string') {
    issues.push({ path: 'keyPrefix', message: 'expected a string' });
  }
  checkPositive(issues, 'commandTimeoutMs', options.commandTimeoutMs, false);
  checkPositive(issues, 'connectTimeoutMs', options.connectTimeoutMs, false);
  checkPositive(issues, 'scanCount', options.scanCount, true);
  checkDedupWindow(issues, 'keysDedupWindow', options.keysDedupWindow);
  checkBreakerOptions(issues, 'breaker', options.breaker);
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    issues.push({ path: 'onError', message: 'expected a function' });
  }
  if (issues.length > 0) throw new ValidationError('Invalid RedisBackend options', issues);
}
