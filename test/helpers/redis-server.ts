/**
 * Starts and controls a throwaway `redis-server` on a free loopback port for integration tests.
 *
 * Only ever signals the pid it spawned itself (never kills by name).
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Control handle of a running `redis-server` started by {@link startRedisServer}. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Loopback TCP port (kept across {@link RedisServerHandle.start} restarts). */
  readonly port: number;
  /** The server's working directory (a temp dir, removed when the test process exits). */
  readonly dir: string;
  /** Pid of the current process (changes after a restart; `undefined` while stopped). */
  readonly pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s) and waits for the process to exit. */
  stop(): Promise<void>;
  /** Kills the process with SIGKILL (no shutdown, like a crash) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Freezes the process with SIGSTOP: connections stay open, nothing is answered. */
  pause(): void;
  /** Resumes a paused process with SIGCONT. */
  resume(): void;
}

/** Options of {@link startRedisServer}. */
export interface StartRedisServerOptions {
  /** Port to listen on. @default a free port chosen by the OS */
  port?: number;
  /** Path of the binary. @default {@link findRedisServerBinary} */
  binary?: string;
  /** How long to wait for the first PONG. @default 10_000 */
  startTimeoutMs?: number;
  /**
   * Extra command-line arguments, e.g. `['--requirepass', 'secret']` (readiness is then
   * detected from the `-NOAUTH` reply).
   * @default []
   */
  args?: string[];
  /**
   * A config file passed as the first argument (needed by `--sentinel` mode, which rewrites it).
   * @default none
   */
  configFile?: string;
  /**
   * Readiness probe, called every 25 ms until it resolves `true` (e.g. a TLS handshake when
   * the plain port is disabled).
   * @default a raw `PING` on `port` (`+PONG` or `-NOAUTH`)
   */
  probe?: (port: number) => Promise<boolean>;
  /** Label used in error messages. @default 'redis-server' */
  label?: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Path of a `redis-server` binary: `$REDIS_SERVER_BIN`, then `$PATH`, then the usual install
 * locations; `undefined` when none is found.
 */
export function findRedisServerBinary(): string | undefined {
  return findBinary('redis-server', 'REDIS_SERVER_BIN');
}

/**
 * Path of an executable `name`: `$<envVar>` when given and executable, then `$PATH`, then the
 * usual install locations; `undefined` when none is found.
 */
export function findBinary(name: string, envVar?: string): string | undefined {
  const fromEnv = envVar === undefined ? undefined : process.env[envVar];
  if (fromEnv && isExecutable(fromEnv)) return fromEnv;
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
    '/usr/bin',
    '/usr/local/bin',
    '/opt/homebrew/bin',
    '/usr/sbin',
  ];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** A TCP port that was free a moment ago (bind to port 0, read it, close). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port === undefined ? reject(new Error('no port assigned')) : resolve(port)));
    });
  });
}

/** Sends one raw `PING` and resolves `true` on `+PONG` (or `-NOAUTH`) within `timeoutMs`. */
export function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      // A server with requirepass answers -NOAUTH: it is up all the same.
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Spawns `redis-server --port <port> --bind 127.0.0.1 --save '' --appendonly no
 * --protected-mode no` and resolves once it answers PING.
 *
 * @throws {Error} when no binary is found or the server does not come up in time.
 */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServerHandle> {
  const binary = options.binary ?? findRedisServerBinary();
  if (!binary) throw new Error('redis-server binary not found (install redis or set REDIS_SERVER_BIN)');
  const port = options.port ?? (await findFreePort());
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const probe = options.probe ?? ((p: number) => ping(p));
  const label = options.label ?? 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'arc-redis-'));

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let paused = false;
  let output = '';

  // Last resort if the test process exits without stop(): signal exactly our own pid.
  const onExit = () => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGCONT');
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const launch = async (): Promise<void> => {
    output = '';
    const proc = spawn(
      binary,
      [
        ...(options.configFile === undefined ? [] : [options.configFile]),
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
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    paused = false;
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    let hasExited = false;
    exited = new Promise<void>((resolve) => {
      proc.once('exit', () => {
        hasExited = true;
        resolve();
      });
    });
    proc.once('error', (err) => {
      output += `\nspawn error: ${err.message}`;
    });
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (hasExited) break;
      if (await probe(port)) return;
      await sleep(25);
    }
    await stopProcess();
    throw new Error(`${label} did not answer on 127.0.0.1:${port}.\nOutput:\n${output}`);
  };

  const stopProcess = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) {
      child = undefined;
      return;
    }
    const pid = proc.pid;
    if (paused) {
      process.kill(pid, 'SIGCONT');
      paused = false;
    }
    process.kill(pid, 'SIGTERM');
    const killTimer = setTimeout(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    await exited;
    clearTimeout(killTimer);
    child = undefined;
  };

  await launch();

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return child?.pid;
    },
    stop: stopProcess,
    kill: async () => {
      const proc = child;
      if (!proc || proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
      process.kill(proc.pid, 'SIGKILL');
      await exited;
      child = undefined;
      paused = false;
    },
    start: async () => {
      if (child) throw new Error('redis-server is already running');
      await launch();
    },
    pause: () => {
      if (child?.pid === undefined) throw new Error('redis-server is not running');
      process.kill(child.pid, 'SIGSTOP');
      paused = true;
    },
    resume: () => {
      if (child?.pid === undefined) throw new Error('redis-server is not running');
      process.kill(child.pid, 'SIGCONT');
      paused = false;
    },
  };
}
