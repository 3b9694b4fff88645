/**
 * The `ai-response-cache` bin, run as a child process (through tsx) against a real Redis: every
 * command, `--json`, and the documented exit codes. `stats` adds up the counters that two
 * writer processes shared.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AIResponseCache } from '../../src/index.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';
import { findFreePort } from '../helpers/redis-server.js';
import { buildCli } from './build-cli.js';

const run = promisify(execFile);
const writer = fileURLToPath(new URL('./fixtures/stats-writer.ts', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let built: Awaited<ReturnType<typeof buildCli>> | undefined;
beforeAll(async () => {
  built = await buildCli();
}, 60_000);
afterAll(() => built?.remove());

/** Runs the bin with `args` (and `env` on top of a clean AI_CACHE_* environment). */
async function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AI_CACHE_')));
  try {
    if (!built) throw new Error('the bin was not built');
    const { stdout, stderr } = await run(process.execPath, [built.bin, ...args], {
      env: { ...clean, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'arc-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ai-response-cache without Redis', () => {
  it('prints the usage with --help (exit 0) and rejects a wrong command line (exit 2)', async () => {
    const [help, unknown, wrongOption, missingKey, badLimit] = await Promise.all([
      cli(['--help']),
      cli(['frobnicate']),
      cli(['keys', '--tag', 'x']), // an option keys does not take
      cli(['inspect']), // missing <key>
      cli(['keys', '--limit', 'many']),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('ai-response-cache stats');
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 error, 2 usage, 3 cannot connect');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(wrongOption.code).toBe(2);
    expect(wrongOption.stderr).toContain('keys does not take --tag');
    expect(missingKey.code).toBe(2);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit must be a positive integer');
  });

  it('exits 3 when Redis cannot be reached, with a JSON error under --json', async () => {
    const port = await findFreePort();
    const result = await cli(['stats', '--json', '--redis', `redis://127.0.0.1:${port}`]);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ exitCode: 3 });
    expect(result.stderr).toContain('Could not connect to Redis');
  });

  it('exits 1 for an invalid configuration file', async () => {
    const file = join(tmp, 'bad.json');
    writeFileSync(file, JSON.stringify({ prefix: 'a:b' }));
    const result = await cli(['stats', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('prefix');
  });

  it('explain prints the canonical form, the key and the fields left out of it', async () => {
    const file = join(tmp, 'request.json');
    writeFileSync(
      file,
      JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hello' }],
        temperature: 0,
        user: 'u-42',
        stream: true,
        metadata: { trace: 'x' },
      }),
    );
    const text = await cli(['explain', file, '--prefix', 'app']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('endpoint:  chat.completions');
    expect(text.stdout).toContain(
      '{"messages":[{"content":"Hello","role":"user"}],"model":"gpt-4o-mini","temperature":0}',
    );
    expect(text.stdout).toMatch(/key: +app:ai:chat:/);
    expect(text.stdout).toContain('user: identifies the end user');
    const json = JSON.parse((await cli(['explain', file, '--prefix', 'app', '--json'])).stdout);
    expect(json.endpoint).toBe('chat.completions');
    expect(json.operation).toBe('chat');
    expect(json.canonical).toEqual({
      messages: [{ content: 'Hello', role: 'user' }],
      model: 'gpt-4o-mini',
      temperature: 0,
    });
    expect(json.excluded.map((e: { field: string }) => e.field).sort()).toEqual([
      'metadata',
      'stream',
      'user',
    ]);
    // the key names neither the prompt text nor the user
    expect(json.key).toMatch(/^app:ai:chat:/);
    expect(json.key).not.toContain('Hello');
    expect(json.key).not.toContain('u-42');
    // fields that do not change the answer do not change the key
    writeFileSync(
      file,
      JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hello' }],
        temperature: 0,
      }),
    );
    expect(JSON.parse((await cli(['explain', file, '--prefix', 'app', '--json'])).stdout).key).toBe(json.key);
    expect((await cli(['explain', join(tmp, 'missing.json')])).code).toBe(1);
  });
});

describeRedis('ai-response-cache against Redis', (url) => {
  const prefix = uniqueCachePrefix('cli');
  const env = { AI_CACHE_REDIS_URL: url, AI_CACHE_PREFIX: prefix };
  let keys: { answer: string; tenant: string; doc: string };
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(url);
    // Two processes of the fleet, each sharing its own counters.
    const outputs = await Promise.all(
      [1, 2].map(() => run(process.execPath, ['--import', 'tsx', writer, url, prefix], { timeout: 60_000 })),
    );
    keys = JSON.parse(outputs[0]?.stdout.trim() ?? '{}');
  }, 120_000);

  afterAll(async () => {
    const found = await redis.keys(`${prefix}*`);
    if (found.length > 0) await redis.del(...found);
    redis.disconnect();
  });

  it('stats adds up the counters of both processes', async () => {
    const json = JSON.parse((await cli(['stats', '--json'], env)).stdout);
    const row = (operation: string, namespace: string) =>
      json.rows.find(
        (r: { operation: string; namespace: string }) =>
          r.operation === operation && r.namespace === namespace,
      );
    expect(row('summarize', 'default')).toMatchObject({ hits: 4, misses: 0, sets: 2, hitRatio: 1 });
    expect(row('sentiment', 'default')).toMatchObject({ hits: 0, misses: 2, sets: 0, hitRatio: 0 });
    expect(row('summarize', 'acme')).toMatchObject({ hits: 2, sets: 2 });
    expect(row('-', 'default')).toMatchObject({ sets: 2 }); // the generic entry
    expect(json.totals).toMatchObject({ hits: 6, misses: 2 });
    // savings of the root view: 2 hits with usage per process
    expect(json.savings.upstreamCallsAvoided).toBe(4);
    expect(json.savings.tokens).toEqual({ prompt: 400, completion: 200, total: 600 });
    expect(json.savings.costUsd).toBeCloseTo((4 * (100 * 1 + 50 * 2)) / 1_000_000, 12);

    const text = await cli(['stats'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/summarize\s+default\s+4\s+0\s+2\s+100\.0%/);
    expect(text.stdout).toMatch(/sentiment\s+default\s+0\s+2\s+0\s+0\.0%/);
    expect(text.stdout).toMatch(/upstream calls avoided\s+4/);
    expect(text.stdout).toContain('400 / 200 / 600');
  });

  it('keys lists the entries, filtered by operation and namespace, with progress on stderr', async () => {
    const [allRun, summarizeRun, acme, limitedRun] = await Promise.all([
      cli(['keys', '--json'], env),
      cli(['keys', '--json', '--operation', 'summarize'], env),
      cli(['keys', '--namespace', 'acme', '--progress', '1'], env),
      cli(['keys', '--json', '--limit', '1'], env),
    ]);
    const all = JSON.parse(allRun.stdout);
    expect([...all.keys].sort()).toEqual([keys.answer, keys.doc, keys.tenant].sort());
    expect(all.keys.some((k: string) => k.endsWith('#stats'))).toBe(false);
    const summarize = JSON.parse(summarizeRun.stdout);
    expect([...summarize.keys].sort()).toEqual([keys.answer, keys.tenant].sort());
    expect(acme.stdout.trim().split('\n')).toEqual([keys.tenant]);
    expect(acme.stderr).toContain('scanned 1 keys');
    expect(JSON.parse(limitedRun.stdout)).toMatchObject({ count: 1, truncated: true });
  });

  it('inspect decodes an envelope', async () => {
    const json = JSON.parse((await cli(['inspect', keys.doc, '--json'], env)).stdout);
    expect(json).toMatchObject({
      key: keys.doc,
      version: 2,
      codec: 'none',
      compressed: false,
      tags: ['docs'],
    });
    expect(json.value).toEqual({ title: 'tagged' });
    expect(json.bytes).toBeGreaterThan(json.rawBytes);
    expect(Date.parse(json.freshUntil)).toBeGreaterThan(Date.parse(json.createdAt));
    expect(Date.parse(json.staleUntil)).toBeGreaterThanOrEqual(Date.parse(json.freshUntil));
    const answer = await cli(['inspect', keys.answer], env);
    expect(answer.code).toBe(0);
    expect(answer.stdout).toContain('codec:');
    expect(answer.stdout).toContain('"summary": "short"');
    const missing = await cli(['inspect', `${prefix}::nothing`], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no entry under');
  });

  it('bench runs the benchmark API on Redis and cleans up after itself', async () => {
    const result = await cli(['bench', '--iterations', '20', '--json'], env);
    expect(result.code).toBe(0);
    const suite = JSON.parse(result.stdout);
    expect(suite.results.length).toBeGreaterThan(0);
    expect(await redis.keys(`${prefix}-bench-*`)).toEqual([]);
  });

  it('purge deletes by tag, operation and namespace, and asks first without --yes', async () => {
    const refused = await cli(['purge', '--tag', 'docs'], env);
    expect(refused.code).toBe(2); // stdin is not a terminal
    expect(await redis.exists(keys.doc)).toBe(1);
    expect((await cli(['purge'], env)).code).toBe(2);

    const byTag = JSON.parse((await cli(['purge', '--tag', 'docs', '--yes', '--json'], env)).stdout);
    expect(byTag).toMatchObject({ deleted: 1, matched: 1 });
    expect(await redis.exists(keys.doc)).toBe(0);
    const byNamespace = await cli(['purge', '--namespace', 'acme', '--yes'], env);
    expect(byNamespace.stdout).toContain('deleted 1 entry');
    expect(await redis.exists(keys.tenant)).toBe(0);
    expect(await redis.exists(keys.answer)).toBe(1);
    // A running process holds the answer in its L1: the purge reaches it through the bus.
    const live = new AIResponseCache({ redisUrl: url, prefix });
    try {
      await live.connect();
      const request = { text: 'a prompt', operation: 'summarize' };
      expect(await live.getResponse(request)).toEqual({ summary: 'short' });
      expect((await live.lookupResponse(request))?.tier).toBe('l1');
      const byOperation = JSON.parse(
        (await cli(['purge', '--operation', 'summarize', '--yes', '--json'], env)).stdout,
      );
      expect(byOperation.deleted).toBe(1);
      expect(await redis.exists(keys.answer)).toBe(0);
      await vi.waitFor(async () => expect(await live.getResponse(request)).toBeUndefined(), {
        timeout: 5000,
      });
    } finally {
      await live.close();
    }
    // the shared counters are not entries: still there
    expect(await redis.exists(`${prefix}:#stats`)).toBe(1);
  });
});
