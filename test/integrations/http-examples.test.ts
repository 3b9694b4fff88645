/**
 * The HTTP examples run as real processes (`tsx`), over a memory backend and over the shared
 * real redis-server: requests over HTTP (MISS then HIT), then SIGTERM while a request is in
 * flight: that request still gets its answer, new connections are refused, and the process
 * exits by itself with code 0 (over Redis that also proves the cache closed its connections:
 * an open ioredis connection would keep the process alive).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';
import { findFreePort } from '../helpers/redis-server.js';

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const children: ChildProcess[] = [];
/** The examples' own pids (children of the tsx processes), by tsx process. */
const examplePids = new Map<ChildProcess, number>();
afterAll(() => {
  // Only processes still running: a tsx process that exited has seen its example exit (its pid may be reused).
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
    const pid = examplePids.get(child);
    for (const target of [pid, child.pid]) {
      try {
        if (target !== undefined) process.kill(target, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
  }
});

interface Running {
  child: ChildProcess;
  /** Sends `signal` to the example's own process (tsx runs it in a child of the tsx process). */
  signal(signal: NodeJS.Signals): void;
  url: string;
  /** Resolves when a stdout line matches. */
  line(pattern: RegExp): Promise<string>;
  exited: Promise<number | null>;
  output(): string;
}

async function start(example: string, env: Record<string, string>): Promise<Running> {
  const port = await findFreePort();
  const child = spawn(tsx, [join(root, 'examples', example)], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), CACHE_PREFIX: uniqueCachePrefix('example') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const match = out.split('\n').find((l) => w.pattern.test(l));
      if (match !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(match);
      }
    }
  };
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  // 'close': the process exited and its stdout was read to the end.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let pid = 0;
  const running: Running = {
    child,
    // Straight to the example: tsx relays a signal it receives itself, but SIGKILLs the child
    // when the child does not acknowledge within 30 ms, which a loaded machine can miss.
    signal: (signal) => process.kill(pid, signal),
    url: `http://127.0.0.1:${port}`,
    line: (pattern) =>
      new Promise<string>((resolve, reject) => {
        waiters.push({ pattern, resolve });
        check();
        exited.then(() => reject(new Error(`exited before ${pattern}:\n${out}`)));
      }),
    exited,
    output: () => out,
  };
  const listening = await running.line(/listening on/);
  pid = Number(/\(pid (\d+)\)/.exec(listening)?.[1]);
  expect(pid).toBeGreaterThan(0);
  examplePids.set(child, pid);
  return running;
}

function examples(label: string, env: () => Record<string, string>): void {
  describe(`HTTP examples over ${label}`, () => {
    it('express-shutdown.ts: caches responses, finishes in-flight requests on SIGTERM, closes the cache, exits 0', async () => {
      const app = await start('express-shutdown.ts', env());
      const miss = await fetch(`${app.url}/report?id=1`);
      expect(miss.headers.get('x-cache')).toBe('MISS');
      const body = await miss.json();
      const hit = await fetch(`${app.url}/report?id=1`);
      expect(hit.headers.get('x-cache')).toBe('HIT');
      expect(await hit.json()).toEqual(body);

      const inFlight = fetch(`${app.url}/report?id=2&ms=300`);
      inFlight.catch(() => {}); // awaited below; no unhandled rejection if the test fails first
      await app.line(/report 2 started/);
      app.signal('SIGTERM');
      await app.line(/SIGTERM: shutting down/);
      await expect(fetch(`${app.url}/report?id=3`)).rejects.toThrow();
      const late = await inFlight;
      expect(late.status).toBe(200);
      expect(await late.json()).toMatchObject({ id: '2' });
      expect(await app.exited, app.output()).toBe(0);
      expect(app.output()).toMatch(/cache closed/);
    }, 60_000); // tsx compiles the example at startup: seconds on a loaded machine

    it('fastify-plugin.ts: the plugin caches responses, decorates app.cache, closes it onClose; SIGTERM exits 0', async () => {
      const app = await start('fastify-plugin.ts', env());
      const miss = await fetch(`${app.url}/answer?q=hello`);
      expect(miss.headers.get('x-cache')).toBe('MISS');
      const body = await miss.json();
      const hit = await fetch(`${app.url}/answer?q=hello`);
      expect(hit.headers.get('x-cache')).toBe('HIT');
      expect(await hit.json()).toEqual(body);
      const stats = await fetch(`${app.url}/stats`);
      expect(stats.headers.get('x-cache')).toBeNull();
      expect(((await stats.json()) as { hits: number }).hits).toBeGreaterThan(0);

      const inFlight = fetch(`${app.url}/answer?q=slow&ms=300`);
      inFlight.catch(() => {}); // awaited below; no unhandled rejection if the test fails first
      await app.line(/answer slow started/);
      app.signal('SIGTERM');
      await app.line(/SIGTERM: shutting down/);
      const late = await inFlight;
      expect(late.status).toBe(200);
      expect(await late.json()).toMatchObject({ q: 'slow' });
      expect(await app.exited, app.output()).toBe(0);
      expect(app.output()).toMatch(/app closed, cache closed/);
    }, 60_000);
  });
}

examples('memory', () => ({ REDIS_URL: '' }));
describeRedis('HTTP examples with Redis', (url) => {
  examples('Redis', () => ({ REDIS_URL: url }));
});
