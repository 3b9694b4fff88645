/**
 * Starts a throwaway Redis Cluster (N masters, no replicas) on free loopback ports.
 *
 * Each node is a `redis-server --cluster-enabled yes` started by {@link startRedisServer} (own
 * temp dir, own `nodes.conf`, cluster bus on a second free port); `redis-cli --cluster create`
 * assigns the slots, then every node is polled until `CLUSTER INFO` says `cluster_state:ok`.
 * Only the pids this helper spawned are ever signalled.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, type ClusterOptions, Redis } from 'ioredis';
import { findBinary, findFreePort, type RedisServerHandle, sleep, startRedisServer } from './redis-server.js';

const run = promisify(execFile);

/** Control handle of a cluster started by {@link startRedisCluster}. */
export interface RedisClusterHandle {
  /** The master nodes (stop / pause them one by one if needed). */
  readonly nodes: readonly RedisServerHandle[];
  /** `{ host, port }` of every node, for `new Cluster(startupNodes)`. */
  readonly startupNodes: readonly { host: string; port: number }[];
  /**
   * A new ioredis `Cluster` on these nodes (error events swallowed; the caller closes it).
   * @param options ioredis cluster options merged over the helper's defaults.
   */
  client(options?: ClusterOptions): Cluster;
  /** A plain connection to one node (no redirections followed; the caller closes it). */
  nodeClient(index: number): Redis;
  /** Stops every node and waits for the processes to exit. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /** Number of masters (>= 3: `redis-cli --cluster create` refuses fewer). @default 3 */
  masters?: number;
  /** How long to wait for `cluster_state:ok` on every node. @default 20_000 */
  readyTimeoutMs?: number;
}

/** Path of `redis-cli`: `$REDIS_CLI_BIN`, then `$PATH` and the usual locations. */
export function findRedisCliBinary(): string | undefined {
  return findBinary('redis-cli', 'REDIS_CLI_BIN');
}

/** `CLUSTER INFO` of one node as a map (`cluster_state` -> `ok`, ...). */
async function clusterInfo(port: number): Promise<Map<string, string>> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    await client.connect();
    const text = (await client.call('CLUSTER', 'INFO')) as string;
    return new Map(
      text
        .split(/\r?\n/)
        .filter((line) => line.includes(':'))
        .map((line) => {
          const at = line.indexOf(':');
          return [line.slice(0, at), line.slice(at + 1).trim()] as [string, string];
        }),
    );
  } finally {
    client.disconnect();
  }
}

/** Distinct free ports (a port and its cluster bus port must differ from every other). */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort());
  return [...ports];
}

/**
 * Starts `masters` cluster nodes, creates the cluster and waits until it is usable.
 *
 * @throws {Error} when `redis-server` or `redis-cli` is missing, or the cluster is not ok in time.
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const cli = findRedisCliBinary();
  if (!cli) throw new Error('redis-cli binary not found (install redis-tools or set REDIS_CLI_BIN)');
  const ports = await freePorts(masters * 2);
  const nodes: RedisServerHandle[] = [];
  const stopAll = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await startRedisServer({
          port: ports[i] as number,
          label: `cluster node ${i}`,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-port',
            String(ports[masters + i]),
            '--cluster-node-timeout',
            '3000',
          ],
        }),
      );
    }
    await run(
      cli,
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: readyTimeoutMs },
    );
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      const infos = await Promise.all(nodes.map((node) => clusterInfo(node.port).catch(() => new Map())));
      const ok = infos.every(
        (info) =>
          info.get('cluster_state') === 'ok' &&
          info.get('cluster_known_nodes') === String(masters) &&
          info.get('cluster_slots_ok') === '16384',
      );
      if (ok) break;
      if (Date.now() > deadline) {
        throw new Error(
          `Redis Cluster not ok after ${readyTimeoutMs} ms: ${infos.map((i) => i.get('cluster_state')).join(', ')}`,
        );
      }
      await sleep(50);
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  const startupNodes = nodes.map((node) => ({ host: '127.0.0.1', port: node.port }));
  return {
    nodes,
    startupNodes,
    client: (clusterOptions: ClusterOptions = {}) => {
      const cluster = new Cluster(startupNodes, { enableReadyCheck: true, ...clusterOptions });
      cluster.on('error', () => {});
      return cluster;
    },
    nodeClient: (index: number) => {
      const node = nodes[index];
      if (!node) throw new Error(`no cluster node ${index}`);
      const client = new Redis({ host: '127.0.0.1', port: node.port });
      client.on('error', () => {});
      return client;
    },
    stop: stopAll,
  };
}
