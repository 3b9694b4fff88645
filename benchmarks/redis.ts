/**
 * A throwaway `redis-server` for the benchmark: the same helper the tests use (free loopback
 * port, no persistence, stopped by its own pid, never by name), plus the server's version for
 * the report.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { findRedisServerBinary, startRedisServer } from '../test/helpers/redis-server.js';

/** A running server. */
export interface BenchRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  pid: number;
  /** Version of the server (`7.2.4`). */
  version: string;
  /** Stops the server and waits for the exit. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` on a free port of 127.0.0.1 and resolves when it answers PING.
 *
 * @throws {Error} when no `redis-server` binary is found (set `REDIS_SERVER_BIN`) or it does not start.
 */
export async function startBenchRedis(): Promise<BenchRedis> {
  const binary = findRedisServerBinary();
  if (!binary) throw new Error('redis-server not found: install Redis or set REDIS_SERVER_BIN');
  const server = await startRedisServer();
  const printed = execFileSync(binary, ['--version'], { encoding: 'utf8' });
  const version = /v=(\S+)/.exec(printed)?.[1] ?? 'unknown';
  return { url: server.url, port: server.port, pid: server.pid ?? 0, version, stop: () => server.stop() };
}
