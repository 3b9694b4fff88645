import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import { RedisInvalidationBus } from '../../src/bus/index.js';
import { RedisLock } from '../../src/locks/redis-lock.js';
import { describeOwnRedisServer } from '../helpers/redis.js';
import { type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';

const fixture = fileURLToPath(new URL('./fixtures/readme-setup.ts', import.meta.url));

/** How long a child may take to exit by itself before the test gives up (and kills its pid). */
const EXIT_WATCHDOG_MS = 8000;

interface ChildRun {
  /** Milliseconds `cache.close()` took, as measured by the child. */
  closeMs: number;
  /** Milliseconds from the child's `closed` line to its exit. */
  exitAfterCloseMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the README setup in a child, lets `before` break Redis, asks for close, waits for exit. */
function runReadmeSetup(
  url: string,
  mode: 'generic' | 'ai',
  before: () => Promise<void> | void,
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, url, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let closedAt: number | undefined;
    let closeMs = Number.NaN;
    const watchdog = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`the child did not exit by itself (stdout: ${out}, stderr: ${err})`));
    }, EXIT_WATCHDOG_MS);
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      const before_ = out;
      out += chunk.toString();
      if (!before_.includes('ready\n') && out.includes('ready\n')) {
        Promise.resolve(before()).then(
          () => child.kill('SIGUSR2'),
          (error: unknown) => reject(error),
        );
      }
      const match = /closed (\d+)\n/.exec(out);
      if (match && closedAt === undefined) {
        closedAt = performance.now();
        closeMs = Number(match[1]);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (closedAt === undefined) {
        reject(new Error(`the child exited before closing (code ${code}; stdout: ${out}; stderr: ${err})`));
        return;
      }
      resolve({ closeMs, exitAfterCloseMs: performance.now() - closedAt, code, signal });
    });
  });
}

describeOwnRedisServer('Shutdown with Redis up, down or hung', () => {
  let server: RedisServerHandle;

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    if (server.pid === undefined) await server.start();
    else server.resume();
  });

  const breakages = [
    ['up', () => {}],
    ['stopped', () => server.stop()],
    ['SIGSTOP-paused', () => server.pause()],
  ] as const;
  for (const [name, breakRedis] of breakages) {
    for (const [mode, what] of [
      ['generic', 'the README setup (backend + RedisLock + bus) exits by itself after cache.close()'],
      ['ai', 'an AIResponseCache on Redis exits by itself after ai.close()'],
    ] as const) {
      it(`${what} with Redis ${name}`, async () => {
        const run = await runReadmeSetup(server.url, mode, breakRedis);
        expect(run.code).toBe(0);
        expect(run.signal).toBeNull();
        // Generous bounds on a shared machine; what matters is that the process exits by itself.
        expect(run.closeMs).toBeLessThan(1000);
        expect(run.exitAfterCloseMs).toBeLessThan(1000);
      });
    }
  }

  it('close() of a backend, lock and bus leaves no socket and no timer behind, even with Redis paused', async () => {
    const backend = new RedisBackend({ url: server.url });
    const lock = new RedisLock({ client: backend.client });
    const bus = new RedisInvalidationBus({ client: backend.client });
    await backend.connect();
    await bus.start();
    expect(await lock.waitForRelease('free', 1000)).toBe('released');
    const subscriber = backend.connection.subscriberClient as Redis;
    const sockets = [(backend.client as Redis).stream, subscriber.stream];
    server.pause();
    const started = performance.now();
    await Promise.all([lock.close(), bus.close(), backend.close()]);
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(1000);
    expect(backend.status).toBe('end');
    expect(subscriber.status).toBe('end');
    for (const socket of sockets) expect(socket.destroyed).toBe(true);
  });

  it('a given client is left open by backend, lock and bus; the shared subscriber is closed', async () => {
    const client = new Redis(server.url);
    try {
      const backend = new RedisBackend({ client });
      const lock = new RedisLock({ client });
      const bus = new RedisInvalidationBus({ client });
      await bus.start();
      expect(await lock.waitForRelease('free', 1000)).toBe('released');
      const subscriber = backend.connection.subscriberClient as Redis;
      await Promise.all([lock.close(), bus.close(), backend.close()]);
      expect(subscriber.status).toBe('end');
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
      // Every listener of the library is gone from the given client.
      expect(
        client.listenerCount('error') + client.listenerCount('ready') + client.listenerCount('close'),
      ).toBe(0);
    } finally {
      client.disconnect();
    }
  });
});
