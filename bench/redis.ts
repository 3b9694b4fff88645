/**
 * A throwaway `redis-server` for the benchmark: free loopback port, no persistence, stopped by
 * its own pid (never by name).
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A running server. */
export interface BenchRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  pid: number;
  /** Version of the server (`7.2.4`). */
  version: string;
  /** SIGTERM (SIGKILL after 3 s) and wait for the exit. Safe to call twice. */
  stop(): Promise<void>;
}

function findBinary(): string | undefined {
  const candidates = [
    process.env.REDIS_SERVER_BIN,
    ...(process.env.PATH ?? '').split(delimiter).map((d) => d && join(d, 'redis-server')),
    '/usr/bin/redis-server',
    '/usr/local/bin/redis-server',
    '/opt/homebrew/bin/redis-server',
  ];
  for (const path of candidates) {
    if (!path) continue;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 500);
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('+PONG')));
  });
}

function version(binary: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('error', () => resolve('unknown'));
    child.once('exit', () => {
      const first = out.trim().split('\n')[0] ?? '';
      resolve(/v=([\d.]+)/.exec(first)?.[1] ?? (first || 'unknown'));
    });
  });
}

/**
 * Starts `redis-server` on a free port of 127.0.0.1 and resolves when it answers PING.
 *
 * @throws {Error} when no `redis-server` binary is found (set `REDIS_SERVER_BIN`) or it does not start.
 */
export async function startBenchRedis(): Promise<BenchRedis> {
  const binary = findBinary();
  if (!binary) throw new Error('redis-server not found: install Redis or set REDIS_SERVER_BIN');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'arc-bench-redis-'));
  const child: ChildProcess = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
      '--dir',
      dir,
      '--maxmemory',
      '0',
    ],
    { stdio: 'ignore' },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${binary}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    process.off('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`redis-server did not start on 127.0.0.1:${port}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid, version: await version(binary), stop };
}
