/**
 * Starts a throwaway Redis Sentinel setup on free loopback ports: a master, one replica
 * (`--replicaof`) and one sentinel monitoring them as `mymaster` (quorum 1, short
 * `down-after-milliseconds` / `failover-timeout`).
 *
 * The sentinel is `redis-sentinel <conf>` (Debian's package), or `redis-server <conf> --sentinel`
 * when that binary is missing. Only the pids this helper spawned are ever signalled.
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import {
  findBinary,
  findFreePort,
  findRedisServerBinary,
  type RedisServerHandle,
  sleep,
  startRedisServer,
} from './redis-server.js';

/** Name of the monitored master. */
export const SENTINEL_MASTER_NAME = 'mymaster';

/** Control handle of a setup started by {@link startRedisSentinel}. */
export interface RedisSentinelHandle {
  /** The first master (a replica after a failover). */
  readonly master: RedisServerHandle;
  /** The first replica (the master after a failover). */
  readonly replica: RedisServerHandle;
  /** The sentinel process. */
  readonly sentinel: RedisServerHandle;
  /** `{ sentinels, name }` for `new Redis(...)` / `RedisBackend({ redis })`. */
  readonly redisOptions: RedisOptions & { sentinels: { host: string; port: number }[]; name: string };
  /** A connection to the sentinel itself (the caller closes it). */
  sentinelClient(): Redis;
  /** Port of the current master, as the sentinel reports it. */
  masterPort(): Promise<number>;
  /**
   * `SENTINEL FAILOVER mymaster` (retried while the sentinel has no good replica yet), then
   * waits until the sentinel reports the other node as master and that node says `role:master`.
   * @returns the port of the new master.
   */
  failover(timeoutMs?: number): Promise<number>;
  /** Stops the sentinel, the replica and the master. */
  stop(): Promise<void>;
}

/** Path of `redis-sentinel` (`$REDIS_SENTINEL_BIN`, `$PATH`, usual locations). */
export function findRedisSentinelBinary(): string | undefined {
  return findBinary('redis-sentinel', 'REDIS_SENTINEL_BIN');
}

async function withClient<T>(port: number, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

async function infoField(port: number, section: string, field: string): Promise<string | undefined> {
  const text = await withClient(port, (c) => c.info(section)).catch(() => '');
  const line = text.split(/\r?\n/).find((l) => l.startsWith(`${field}:`));
  return line?.slice(field.length + 1).trim();
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Sentinel setup: ${what} not reached after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Starts master, replica and sentinel, and waits until the replica is in sync and the sentinel
 * knows it.
 */
export async function startRedisSentinel(): Promise<RedisSentinelHandle> {
  const started: RedisServerHandle[] = [];
  const confDir = mkdtempSync(join(tmpdir(), 'arc-sentinel-'));
  const stopAll = async () => {
    await Promise.all(started.reverse().map((s) => s.stop()));
    rmSync(confDir, { recursive: true, force: true });
  };
  try {
    const master = await startRedisServer({ label: 'sentinel master' });
    started.push(master);
    const replica = await startRedisServer({
      label: 'sentinel replica',
      args: ['--replicaof', '127.0.0.1', String(master.port)],
    });
    started.push(replica);
    await waitFor('replica in sync', 15_000, async () => {
      return (await infoField(replica.port, 'replication', 'master_link_status')) === 'up';
    });

    const sentinelPort = await findFreePort();
    const confFile = join(confDir, 'sentinel.conf');
    writeFileSync(
      confFile,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 3000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
        '',
      ].join('\n'),
    );
    const sentinelBinary = findRedisSentinelBinary();
    const serverBinary = findRedisServerBinary();
    const binary = sentinelBinary ?? serverBinary;
    if (!binary) throw new Error('neither redis-sentinel nor redis-server found');
    const sentinel = await startRedisServer({
      label: 'redis-sentinel',
      binary,
      port: sentinelPort,
      configFile: confFile,
      args: sentinelBinary ? [] : ['--sentinel'],
    });
    started.push(sentinel);

    const sentinelCall = (...args: string[]) =>
      withClient(sentinel.port, (c) => c.call('SENTINEL', ...args) as Promise<unknown>);
    await waitFor('sentinel sees the replica', 20_000, async () => {
      const replicas = (await sentinelCall('REPLICAS', SENTINEL_MASTER_NAME)) as string[][];
      return replicas.some((fields) => {
        const flags = fields[fields.indexOf('flags') + 1] ?? '';
        return fields.includes(String(replica.port)) && flags === 'slave';
      });
    });

    const masterPort = async () => {
      const [, port] = (await sentinelCall('GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME)) as [
        string,
        string,
      ];
      return Number(port);
    };

    return {
      master,
      replica,
      sentinel,
      redisOptions: { sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: SENTINEL_MASTER_NAME },
      sentinelClient: () => {
        const client = new Redis({ host: '127.0.0.1', port: sentinel.port });
        client.on('error', () => {});
        return client;
      },
      masterPort,
      failover: async (timeoutMs = 20_000) => {
        const before = await masterPort();
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          try {
            await sentinelCall('FAILOVER', SENTINEL_MASTER_NAME);
            break;
          } catch (error) {
            // -NOGOODSLAVE while the sentinel's view of the replica is not fresh yet.
            if (Date.now() > deadline) throw error;
            await sleep(200);
          }
        }
        let after = before;
        await waitFor('failover', Math.max(1000, deadline - Date.now()), async () => {
          after = await masterPort();
          if (after === before) return false;
          return (await infoField(after, 'replication', 'role')) === 'master';
        });
        return after;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
