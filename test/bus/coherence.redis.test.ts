import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';

const worker = fileURLToPath(new URL('./fixtures/coherence-worker.ts', import.meta.url));

/** A child process running one Cache; `send` resolves with its JSON answer. */
function startWorker(url: string, prefix: string) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', worker, url, prefix],
    {
      stdio: 'pipe',
    },
  );
  const pending = new Map<number, (body: Record<string, unknown>) => void>();
  let ready!: () => void;
  const readyPromise = new Promise<void>((r) => {
    ready = r;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as { id: number } & Record<string, unknown>;
    if (msg.id === 0) ready();
    pending.get(msg.id)?.(msg);
    pending.delete(msg.id);
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  let next = 1;
  const send = (cmd: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ id, ...cmd })}\n`);
    });
  return { child, send, ready: readyPromise, stderr: () => stderr };
}

/** Polls `read` until it returns `expected`; resolves with the time it took (ms) or Infinity. */
async function timeUntil(read: () => Promise<unknown>, expected: unknown, limitMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if (JSON.stringify(await read()) === JSON.stringify(expected)) return performance.now() - start;
  }
  return Number.POSITIVE_INFINITY;
}

/** Reads `key` through B until B answers from L1 (at most 2 s). */
async function heldInL1(b: ReturnType<typeof startWorker>, key: string): Promise<void> {
  const deadline = performance.now() + 2000;
  while (performance.now() < deadline) {
    if ((await b.send({ op: 'lookup', key })).tier === 'l1') return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describeRedis('L1 coherence across processes (child processes on one real Redis)', (url) => {
  const prefix = uniqueCachePrefix('coherence');
  let a: ReturnType<typeof startWorker>;
  let b: ReturnType<typeof startWorker>;
  beforeAll(async () => {
    a = startWorker(url, prefix);
    b = startWorker(url, prefix);
    await Promise.all([a.ready, b.ready]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([a?.send({ op: 'exit' }), b?.send({ op: 'exit' })]);
  });

  it('A changes a key that B holds in L1; B reads the new value within 50 ms', async () => {
    await a.send({ op: 'set', key: 'k', value: 'v1' });
    // A's own announcement of that set may still be on its way and drop B's first copy: wait
    // (bounded) until B holds the value in L1.
    await heldInL1(b, 'k');
    expect(await b.send({ op: 'lookup', key: 'k' })).toMatchObject({ value: 'v1', tier: 'l1' });
    await a.send({ op: 'set', key: 'k', value: 'v2' });
    const ms = await timeUntil(async () => (await b.send({ op: 'lookup', key: 'k' })).value, 'v2', 1000);
    expect(ms, b.stderr()).toBeLessThan(50);
  });

  it('A invalidates a tag of an entry B holds in L1; B stops serving it within 50 ms', async () => {
    await a.send({ op: 'set', key: 'tagged', value: 'old', tags: ['report'] });
    await heldInL1(b, 'tagged');
    expect(await b.send({ op: 'lookup', key: 'tagged' })).toMatchObject({ value: 'old', tier: 'l1' });
    await new Promise((r) => setTimeout(r, 2)); // the stamp must be later than the entry
    await a.send({ op: 'invalidateTags', tags: ['report'] });
    const ms = await timeUntil(async () => (await b.send({ op: 'lookup', key: 'tagged' })).value, null, 1000);
    expect(ms, b.stderr()).toBeLessThan(50);
  });
});
