/**
 * Child process of scenario 7 (run as `node --expose-gc --import tsx benchmarks/memory.ts`): heap
 * taken by an L1 holding about 10,000 decoded 2 KB responses, against its `maxBytes` and against
 * a bare `lru-cache` holding the same decoded values. Prints one JSON line on stdout.
 *
 * Environment: `REDIS_URL` (for the L1-over-Redis case), `BENCH_MEMORY_ENTRIES` (default 10000).
 *
 * @module
 */
import { LRUCache } from 'lru-cache';
import { RedisBackend } from '../src/backends/redis.js';
import { type Cache, createCache } from '../src/cache/cache.js';
import { chatCompletion } from './payload.js';

/** One measured configuration. */
export interface MemoryCase {
  name: string;
  kind: 'limit' | 'ours';
  /** Entries inserted. */
  inserted: number;
  /** Entries held at the end. */
  entries: number;
  /** The configured byte cap (0 for none). */
  maxBytes: number;
  /** Bytes the L1 accounts for (its `stats().l1.bytes`; 0 for the limit). */
  accountedBytes: number;
  /** Heap growth after a full GC, in bytes. */
  heapBytes: number;
}

const ENTRIES = Number(process.env.BENCH_MEMORY_ENTRIES ?? 10_000);
const SIZE = 2048;

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) {
  process.stderr.write('benchmarks/memory.ts needs --expose-gc\n');
  process.exit(2);
}
const gc: () => void = collect;

/** Heap plus ArrayBuffer memory (an entry not read yet holds its encoded bytes outside the heap). */
function heap(): number {
  for (let i = 0; i < 3; i++) gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** The JSON text of response `i` (the decoded object is built from it, then dropped). */
const json = (i: number) => JSON.stringify(chatCompletion(SIZE, 10_000 + i));

async function fill(cache: Cache, count: number): Promise<void> {
  const batch = 64;
  for (let start = 0; start < count; start += batch) {
    const jobs: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++)
      jobs.push(cache.set(`m:${i}`, JSON.parse(json(i))));
    await Promise.all(jobs);
  }
  // Read every entry once: a set defers its decoded L1 copy to the first read, and the cap must
  // hold for decoded entries (the heavier state).
  for (let i = 0; i < count; i++) await cache.get(`m:${i}`);
}

async function limitCase(): Promise<MemoryCase> {
  const h0 = heap();
  const lru = new LRUCache<string, object>({ max: ENTRIES });
  for (let i = 0; i < ENTRIES; i++) lru.set(`m:${i}`, JSON.parse(json(i)) as object);
  const heapBytes = heap() - h0;
  return {
    name: 'limit: lru-cache of the decoded values',
    kind: 'limit',
    inserted: ENTRIES,
    entries: lru.size,
    maxBytes: 0,
    accountedBytes: 0,
    heapBytes,
  };
}

async function oursCase(name: string, redisUrl: string | undefined, maxBytes: number, inserted: number) {
  const cache = createCache({
    prefix: `bmem${Date.now().toString(36)}`,
    l1: { maxEntries: ENTRIES * 10, maxBytes },
    ...(redisUrl ? { backend: new RedisBackend({ url: redisUrl }) } : {}),
  });
  await cache.connect();
  // Warm everything that is allocated once (hasher, codec, client buffers).
  await cache.set('warm', JSON.parse(json(0)));
  await cache.delete('warm');
  const h0 = heap();
  await fill(cache, inserted);
  const heapBytes = heap() - h0;
  const stats = cache.stats();
  const out: MemoryCase = {
    name,
    kind: 'ours',
    inserted,
    entries: stats.l1.entries,
    maxBytes,
    accountedBytes: stats.l1.bytes,
    heapBytes,
  };
  if (redisUrl) await cache.clear();
  await cache.close();
  return out;
}

async function main(): Promise<void> {
  // The cap that holds exactly ENTRIES uncompressed entries (encoded size = JSON + envelope header).
  const probe = createCache();
  const encoded = (await probe.set('probe', JSON.parse(json(0)))).bytes;
  await probe.close();
  const cap = encoded * ENTRIES;
  const results: MemoryCase[] = [await limitCase()];
  results.push(await oursCase('ours L1 only (freeze)', undefined, cap, Math.round(ENTRIES * 1.2)));
  const redisUrl = process.env.REDIS_URL;
  if (redisUrl) {
    // Over Redis, entries are lz4-compressed, and L1 accounts for the compressed size.
    results.push(await oursCase('ours L1 over Redis (lz4)', redisUrl, cap, Math.round(ENTRIES * 2)));
  }
  process.stdout.write(`${JSON.stringify({ entrySize: SIZE, encodedSize: encoded, results })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
