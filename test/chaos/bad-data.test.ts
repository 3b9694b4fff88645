/**
 * Chaos: bad data and refused writes in a real redis-server during load (~100 concurrent
 * callers on `createCache` and on `AIResponseCache`):
 * - garbage bytes written over cached entries,
 * - a key of the wrong type (a Redis list under a cache key: WRONGTYPE),
 * - out of memory (`CONFIG SET maxmemory` just above the current use, `noeviction`): writes
 *   are refused with OOM while reads keep working.
 *
 * Asserted as counts: 0 failed calls, 0 unhandled rejections, no bad entry ever served, the
 * bad keys repaired (deleted or overwritten), >= 95% of the OTHER cached keys still hit from
 * Redis while the fault lasts (an error about one key or one write concerns that key only),
 * and caching resumes once the fault is gone.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, it } from 'vitest';
import { RedisBackend } from '../../src/backends/redis.js';
import type { CacheBackend } from '../../src/backends/types.js';
import { createCache } from '../../src/cache/cache.js';
import { AIResponseCache, type CacheEvent } from '../../src/index.js';
import { countUnhandledRejections, startLoad } from '../helpers/chaos.js';
import { describeRedisKind, uniqueCachePrefix } from '../helpers/redis.js';
import { type RedisServerHandle, sleep, startRedisServer } from '../helpers/redis-server.js';

const COMMAND_TIMEOUT_MS = 100;
const CALLERS = 100;
/** Entries cached before the fault, read (getOrSet-style) by the load. */
const READ_KEYS = 200;
/** How many of them the fault damages (garbage, WRONGTYPE). */
const DAMAGED = 10;

/** `hit` is a hit from Redis; `fallback-hit` a hit from the memory fallback of a degraded cache. */
type ReadOutcome = 'hit' | 'fallback-hit' | 'miss' | 'wrong';

/** A cache under test, reduced to what the scenarios need. */
interface DataSubject {
  readonly backend: CacheBackend;
  /** Full Redis key of read key `n`. */
  fullKey(n: number): Promise<string>;
  /** Reads key `n` and, on a miss, stores it again (the usual cache-aside loop). */
  read(n: number): Promise<ReadOutcome>;
  /** Stores a fresh ~1 KB entry under write key `n`. */
  write(n: number): Promise<void>;
  /** Whether a fresh write through the cache reaches Redis. */
  writeReachesRedis(raw: Redis): Promise<boolean>;
  readonly errors: CacheEvent[];
  close(): Promise<void>;
}

const filler = 'x'.repeat(1000);

const subjects: Record<string, (url: string) => DataSubject> = {
  createCache: (url) => {
    const backend = new RedisBackend({ url, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    const cache = createCache({ prefix: uniqueCachePrefix('chaos-data'), backend, l1: false });
    const errors: CacheEvent[] = [];
    cache.on('error', (event) => errors.push(event));
    return {
      backend,
      errors,
      fullKey: (n) => cache.fullKey(`r${n}`),
      read: async (n) => {
        let produced = false;
        const value = await cache.getOrSet(`r${n}`, () => {
          produced = true;
          return { n };
        });
        if (value.n !== n) return 'wrong';
        return produced ? 'miss' : 'hit';
      },
      write: async (n) => {
        await cache.set(`w${n}`, { n, filler });
      },
      writeReachesRedis: async (raw) => {
        const result = await cache.set(`probe:${Math.random()}`, 'probe');
        return (await raw.exists(result.key)) === 1;
      },
      close: () => cache.close(),
    };
  },
  AIResponseCache: (url) => {
    const ai = new AIResponseCache({
      redis: { url, commandTimeoutMs: COMMAND_TIMEOUT_MS },
      prefix: uniqueCachePrefix('chaos-data-ai'),
      l1: false,
    });
    const errors: CacheEvent[] = [];
    ai.on('error', (event) => errors.push(event));
    // While degraded, hits come from the memory fallback, not from Redis.
    let degraded = false;
    ai.on('degraded', () => {
      degraded = true;
    });
    ai.on('recovered', () => {
      degraded = false;
    });
    const request = (n: number) => ({
      text: `document ${n}`,
      operation: 'summarize',
      options: { model: 'm' },
    });
    return {
      backend: ai.cache.backend as CacheBackend,
      errors,
      fullKey: (n) => ai.keyFor(request(n)),
      read: async (n) => {
        const hit = await ai.getResponse<{ n: number }>(request(n));
        if (hit === undefined) {
          await ai.cacheResponse({ ...request(n), response: { n } });
          return 'miss';
        }
        if (hit.n !== n) return 'wrong';
        return degraded ? 'fallback-hit' : 'hit';
      },
      write: async (n) => {
        await ai.cacheResponse({
          text: `new document ${n}`,
          operation: 'translate',
          response: { n, filler },
        });
      },
      writeReachesRedis: async (raw) => {
        const result = await ai.cache.set(`probe:${Math.random()}`, 'probe');
        return (await raw.exists(result.key)) === 1;
      },
      close: () => ai.close(),
    };
  },
};

interface Fault {
  /** Damages Redis; returns the read keys (indexes) it damaged. */
  apply(raw: Redis, subject: DataSubject): Promise<number[]>;
  /** Undoes what must be undone for caching to resume (OOM). */
  lift?(raw: Redis): Promise<void>;
  /** Whether the damaged keys must end up repaired (deleted, or valid again). */
  repairs: boolean;
  /** Whether the damage is re-done every 25 ms while the fault lasts (a hostile writer). */
  repeats: boolean;
}

/** The damaged read keys: every 20th. */
const damagedKeys = Array.from({ length: DAMAGED }, (_, i) => i * (READ_KEYS / DAMAGED));

const faults: Record<string, Fault> = {
  'garbage bytes under cache keys': {
    repairs: true,
    repeats: true,
    apply: async (raw, subject) => {
      for (const n of damagedKeys) {
        await raw.set(await subject.fullKey(n), randomBytes(64 + n), 'PX', 60_000);
      }
      return damagedKeys;
    },
  },
  'a WRONGTYPE key (a list under a cache key)': {
    repairs: true,
    repeats: true,
    apply: async (raw, subject) => {
      for (const n of damagedKeys.slice(0, 1)) {
        const key = await subject.fullKey(n);
        await raw.multi().del(key).rpush(key, 'not', 'a', 'cache', 'entry').pexpire(key, 60_000).exec();
      }
      return damagedKeys.slice(0, 1);
    },
  },
  'OOM: maxmemory + noeviction refuse writes': {
    repairs: false,
    repeats: false,
    apply: async (raw) => {
      const info = await raw.info('memory');
      const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? '0');
      await raw.config('SET', 'maxmemory-policy', 'noeviction');
      await raw.config('SET', 'maxmemory', String(used + 64 * 1024));
      return [];
    },
    lift: async (raw) => {
      await raw.config('SET', 'maxmemory', '0');
    },
  },
};

describeRedisKind('chaos', 'Chaos: garbage, WRONGTYPE and OOM under ~100 concurrent callers', () => {
  const unhandled = countUnhandledRejections();
  let server: RedisServerHandle | undefined;
  let subject: DataSubject | undefined;
  let raw: Redis | undefined;

  afterEach(async () => {
    await subject?.close();
    raw?.disconnect();
    await server?.stop();
    subject = undefined;
    raw = undefined;
    server = undefined;
  });
  afterAll(() => unhandled.dispose());

  for (const [subjectName, makeSubject] of Object.entries(subjects)) {
    for (const [faultName, fault] of Object.entries(faults)) {
      it(`${subjectName}: ${faultName}`, async () => {
        server = await startRedisServer();
        raw = new Redis(server.url);
        raw.on('error', () => {});
        const s = makeSubject(server.url);
        subject = s;
        for (let n = 0; n < READ_KEYS; n++) expect(await s.read(n)).toBe('miss');
        for (let n = 0; n < READ_KEYS; n++) expect(await s.read(n)).toBe('hit');
        const unhandledBefore = unhandled.count;

        let faulted = false;
        let damaged = new Set<number>();
        const counts = { otherReads: 0, otherHits: 0, wrong: 0, damagedReads: 0 };
        let writes = 0;
        const load = startLoad(
          async (caller, i) => {
            if (caller % 4 === 3) {
              await s.write(caller * 1_000_000 + i);
              writes++;
              return undefined;
            }
            const n = (caller * 13 + i) % READ_KEYS;
            const outcome = await s.read(n);
            if (outcome === 'wrong') counts.wrong++;
            if (!faulted) return undefined;
            if (damaged.has(n)) {
              counts.damagedReads++;
            } else {
              counts.otherReads++;
              if (outcome === 'hit') counts.otherHits++;
            }
            return undefined;
          },
          { callers: CALLERS },
        );
        await load.settle(CALLERS * 2);
        const raw_ = raw;
        damaged = new Set(await fault.apply(raw_, s));
        faulted = true;
        // A hostile writer keeps the damage in place while the fault lasts (else the first
        // write of a damaged key would repair it at once).
        let saboteur: Promise<void> = Promise.resolve();
        if (fault.repeats) {
          saboteur = (async () => {
            while (faulted) {
              await sleep(25);
              if (faulted) await fault.apply(raw_, s);
            }
          })();
        }
        // At least 2000 calls and 1.5 s: longer than one "stay away from the backend" period
        // (retryPrimaryAfterMs, 1 s), so a cache that degrades as a whole shows in the hit ratio.
        await Promise.all([load.settle(CALLERS * 20), sleep(1500)]);
        const writesDuringFault = writes;
        faulted = false;
        await saboteur;
        await fault.lift?.(raw_);
        let resumed = false;
        const deadline = Date.now() + 8000;
        while (!resumed && Date.now() < deadline) {
          resumed = await s.writeReachesRedis(raw_).catch(() => false);
          if (!resumed) await sleep(50);
        }
        await load.settle(CALLERS);
        const result = await load.stop();
        const context = JSON.stringify({
          ...counts,
          calls: result.calls,
          writesDuringFault,
          errors: s.errors.length,
        });

        expect(result.failures, context).toEqual([]);
        expect(result.failed, context).toBe(0);
        expect(unhandled.count - unhandledBefore, String(unhandled.reasons.slice(-3))).toBe(0);
        expect(counts.wrong, `no damaged entry is ever served (${context})`).toBe(0);
        expect(counts.otherReads, context).toBeGreaterThan(CALLERS * 5);
        if (damaged.size > 0)
          expect(counts.damagedReads, `the damaged keys were read (${context})`).toBeGreaterThan(0);
        expect(resumed, 'caching resumes once the fault is gone').toBe(true);
        expect(s.errors.length, `the fault is reported as error events (${context})`).toBeGreaterThan(0);

        // An error about one key or one write concerns that key only (Redis-layer work: key-scoped
        // failures never degrade the whole cache): the other entries keep hitting from Redis.
        expect
          .soft(
            counts.otherHits / counts.otherReads,
            `>= 95% of the other keys still hit from Redis (${context})`,
          )
          .toBeGreaterThanOrEqual(0.95);
        if (fault.repairs) {
          // The damaged keys are repaired by their next access (read, miss, store): a valid
          // entry in Redis again, which the following read serves.
          for (const n of damaged) {
            const key = await s.fullKey(n);
            await s.read(n);
            expect.soft(await raw_.type(key), `damaged key ${n} was overwritten in Redis`).toBe('string');
            expect.soft(await s.read(n), `damaged key ${n} reads back`).toBe('hit');
          }
        }
      }, 40_000);
    }
  }
});
