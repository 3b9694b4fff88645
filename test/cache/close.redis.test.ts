/**
 * After `close()`, a process using the cache on a real Redis exits by itself: nothing the cache
 * owns (backend, lock, bus, their connections and timers) is left open. Measured on a child
 * process (the README's generic setup with a RedisLock, and an AIResponseCache), with Redis up
 * and with Redis killed.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeOwnRedisServer, uniqueCachePrefix } from '../helpers/redis.js';
import { type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';

const worker = fileURLToPath(new URL('./fixtures/close-worker.ts', import.meta.url));

/** Runs the worker; `before` runs once it is ready; resolves with close() time and close-to-exit time. */
async function closeAndExit(
  url: string,
  kind: 'generic' | 'ai' | 'backend',
  before: () => Promise<void> | void,
) {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, url, uniqueCachePrefix('close'), kind], {
    stdio: 'pipe',
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  let closedAt = 0;
  let closeMs = Number.NaN;
  const ready = new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      if (line === 'ready') resolve();
      const m = /^closed (\S+)$/.exec(line);
      if (m) {
        closedAt = performance.now();
        closeMs = Number(m[1]);
      }
    });
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    await Promise.race([ready, exited]);
    await before();
    child.stdin.write('close\n');
    const code = await exited;
    expect(code, stderr).toBe(0);
    return { closeMs, exitMs: performance.now() - closedAt };
  } finally {
    clearTimeout(guard);
  }
}

describeOwnRedisServer('close(): the process exits by itself', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    if (server.pid === undefined) await server.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const kind of ['generic', 'ai'] as const) {
    it(`${kind}: Redis up, exits within 1 s of close()`, async () => {
      const { closeMs, exitMs } = await closeAndExit(server.url, kind, () => {});
      expect(closeMs).toBeLessThan(1000);
      expect(exitMs).toBeLessThan(1000);
    });

    // ioredis leaves a ~2 s timer behind after disconnecting from a dead server unless the
    // connection layer cancels it (src/redis/close.ts): this exits within 1 s only with that.
    it(`${kind}: Redis killed, close() returns and the process exits within 1 s`, async () => {
      const { closeMs, exitMs } = await closeAndExit(server.url, kind, async () => {
        process.kill(server.pid as number, 'SIGKILL');
        await server.stop(); // reaps it
        await new Promise((r) => setTimeout(r, 100));
      });
      expect(closeMs).toBeLessThan(1000);
      expect(exitMs).toBeLessThan(1000);
    });
  }
});
