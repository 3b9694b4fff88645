/**
 * Options of a {@link RedisConnection}, and the clients it creates from them.
 *
 * @module
 */
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { BreakerOptions } from './breaker.js';
import { loadIORedis } from './ioredis.js';

/** How to reach Redis when the connection creates its client. */
export interface RedisConnectionOptions {
  /**
   * `redis://[[user]:password@]host[:port][/db]`, or `rediss://...` for TLS.
   * @default 'redis://127.0.0.1:6379' (when neither `redis`, `cluster` nor `client` is given)
   */
  url?: string;
  /**
   * ioredis options (host, port, username, password, tls, db, sentinels + name, ...); they
   * complete or override what `url` says.
   * @default undefined
   */
  redis?: RedisOptions;
  /**
   * A Redis Cluster to create: its startup nodes and ioredis Cluster options.
   * @default undefined
   */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /**
   * An existing ioredis client; it is closed by {@link RedisConnection.close} only when
   * {@link RedisConnectionOptions.owns} is `true`.
   * @default undefined
   */
  client?: Redis | Cluster;
  /**
   * Whether {@link RedisConnection.close} closes the client. Clients the connection creates
   * are always owned.
   * @default false for a given `client`, true otherwise
   */
  owns?: boolean;
  /**
   * Deadline, in milliseconds, of every command sent through {@link RedisConnection.run}
   * (unless the call gives its own).
   * @default 1000
   */
  commandTimeoutMs?: number;
  /**
   * ioredis `connectTimeout` of the clients the connection creates.
   * @default 10_000
   */
  connectTimeoutMs?: number;
  /**
   * Circuit breaker tuning.
   * @default {}
   */
  breaker?: BreakerOptions;
}

/** Options of one {@link RedisConnection.run} call. */
export interface RedisRunOptions {
  /** Deadline of this command, in milliseconds. @default the connection's `commandTimeoutMs` */
  timeoutMs?: number;
  /** Start of the error messages (`Redis`, `Redis lock`, ...). @default 'Redis' */
  what?: string;
  /** What the command is about (a lock key, a channel), shown in messages after `op`. @default undefined */
  subject?: string;
  /** Secret-free context added to errors. @default undefined */
  context?: Record<string, unknown>;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';
/** Default deadline of a command, in milliseconds. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
/** Default ioredis `connectTimeout`, in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Creates the client described by `options` (lazy, no offline queue, retrying forever),
 * loading ioredis on first use.
 */
export function createClient(options: RedisConnectionOptions, connectTimeoutMs: number): Redis | Cluster {
  const { Cluster: ClusterClient, Redis: RedisClient } = loadIORedis();
  const defaults: RedisOptions = {
    // Measured (npm run bench): auto-pipelining costs ~25% of p50 at one request in flight
    // and did not win at 64 in flight; pass `redis: { enableAutoPipelining: true }` to opt in.
    enableAutoPipelining: false,
    // Nothing waits in ioredis' offline queue: while the connection is down, the breaker is
    // open and commands fail at once.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // No ioredis commandTimeout (a timer per command): the connection's deadlines bound them.
    connectTimeout: connectTimeoutMs,
    retryStrategy: (times) => Math.min(times * 50, 1000),
    // A READONLY reply means the master we talk to became a replica (a Sentinel failover):
    // reconnect, which asks the sentinels for the new master.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
    // Sentinel only (ignored otherwise): follow +switch-master at once. Without it the client
    // stays on a failed-over master, and its writes are lost, until the sentinel demotes it.
    failoverDetector: true,
  };
  if (options.cluster) {
    const { nodes, options: clusterOptions = {} } = options.cluster;
    return new ClusterClient(nodes, {
      enableOfflineQueue: false,
      clusterRetryStrategy: (times) => Math.min(times * 50, 1000),
      ...clusterOptions,
      lazyConnect: true,
      redisOptions: { ...defaults, ...clusterOptions.redisOptions },
    });
  }
  return options.url === undefined && options.redis !== undefined
    ? new RedisClient({ ...defaults, ...options.redis, lazyConnect: true })
    : new RedisClient(options.url ?? DEFAULT_URL, { ...defaults, ...options.redis, lazyConnect: true });
}
