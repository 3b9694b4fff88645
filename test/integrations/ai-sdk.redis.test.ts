/**
 * cacheMiddleware over a real Redis: 3 processes x 7 concurrent identical calls make one model
 * call. Each process's model calls an HTTP server this test starts, which counts the calls of all
 * of them; the processes start their calls together (a `go` line on stdin after all are ready).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';
import { findFreePort } from '../helpers/redis-server.js';

const WORKER = 'test/integrations/fixtures/ai-sdk-worker.ts';

interface Worker {
  child: ChildProcessWithoutNullStreams;
  line(): Promise<string>;
}

function startWorker(args: string[]): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    line: async () => {
      const next = await lines.next();
      if (next.done) throw new Error(`worker exited without output: ${stderr}`);
      return next.value;
    },
  };
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

let server: Server;
let serverUrl: string;
let calls = 0;
const workers: Worker[] = [];

beforeAll(async () => {
  const port = await findFreePort();
  server = createServer((_request, response) => {
    calls++;
    response.end(`Answer number ${calls}.`);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${port}/`;
});

afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await exited(w.child);
  }
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describeRedis('cacheMiddleware over Redis', (url) => {
  for (const mode of ['generate', 'stream']) {
    it(`3 processes x 7 concurrent identical ${mode} calls -> 1 model call`, async () => {
      calls = 0;
      const prefix = uniqueCachePrefix(`aisdk-${mode}`);
      const procs = [0, 1, 2].map(() => startWorker([url, serverUrl, prefix, mode]));
      workers.push(...procs);
      for (const w of procs) expect(await w.line()).toBe('ready');
      for (const w of procs) w.child.stdin.write('go\n');
      const outputs = await Promise.all(
        procs.map(async (w) => JSON.parse(await w.line()) as { statuses: string[]; texts: string[] }),
      );
      const statuses = outputs.flatMap((o) => o.statuses);
      expect(statuses).toHaveLength(21);
      expect(calls).toBe(1);
      expect(new Set(outputs.flatMap((o) => o.texts))).toEqual(new Set(['Answer number 1.']));
      expect(statuses.filter((s) => s === 'miss')).toHaveLength(1);
      expect(statuses.every((s) => s === 'miss' || s === 'coalesced' || s === 'hit')).toBe(true);
    }, 30_000);
  }
});
