/**
 * A tiny vitest reporter, added next to the default one, that ends the run with lines saying
 * how many Redis tests really ran against a real `redis-server`, per kind of server:
 *
 *   Redis: 57 tests ran against a real redis-server (127.0.0.1:41234)
 *   Redis by server kind: standalone 57, cluster 14, tls 9, sentinel 6, chaos 9
 *
 * Counting rule: tests declared inside `describeRedis()` / `describeOwnRedisServer()` from
 * `test/helpers/redis.ts` (they carry `meta.redisServer === true`), in any test file. By
 * convention those live in files named `*.redis.test.ts`. Tests of such a file that do not
 * need a server (e.g. option validation) are not counted. Passed tests are reported; failed
 * and skipped ones are mentioned when there are any.
 *
 * Kinds: tests declared inside `describeRedisKind(kind, ...)` carry `meta.redisKind` (`cluster`,
 * `tls`, `sentinel`, `chaos`: each starts its own servers); every other Redis test is
 * `standalone`. The first line counts the standalone tests (as before); the last line lists
 * every kind, `0` included, so a suite that silently stopped running shows.
 *
 * @module
 */
import type { Reporter, TestModule, Vitest } from 'vitest/node';

/** Server kinds, in report order (mirrors `RedisServerKind` in `test/helpers/redis.ts`). */
const KINDS = ['standalone', 'cluster', 'tls', 'sentinel', 'chaos'] as const;
type Kind = (typeof KINDS)[number];

interface Counts {
  passed: number;
  skipped: number;
  failed: number;
}

/** `host:port` of a Redis URL, without credentials. */
function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'unparseable REDIS_URL';
  }
}

/** Prints the Redis summary line at the end of each run. */
export default class RedisReporter implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = new Map<Kind, Counts>(KINDS.map((kind) => [kind, { passed: 0, skipped: 0, failed: 0 }]));
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const meta = test.meta();
        if (meta.redisServer !== true && meta.redisKind === undefined) continue;
        const kind: Kind = KINDS.includes(meta.redisKind as Kind) ? (meta.redisKind as Kind) : 'standalone';
        const entry = counts.get(kind) as Counts;
        const state = test.result().state;
        if (state === 'passed') entry.passed++;
        else if (state === 'skipped') entry.skipped++;
        else if (state === 'failed') entry.failed++;
      }
    }
    const total = [...counts.values()].reduce((n, c) => n + c.passed + c.skipped + c.failed, 0);
    if (total === 0) return;
    const { passed, skipped, failed } = counts.get('standalone') as Counts;
    const url = this.#vitest?.getRootProject().getProvidedContext().redisUrl;
    const where = url ? hostOf(url) : 'no server';
    const extra = [failed ? `${failed} failed` : '', skipped ? `${skipped} skipped` : '']
      .filter(Boolean)
      .join(', ');
    const line = `Redis: ${passed} tests ran against a real redis-server (${where})${extra ? `; ${extra}` : ''}`;
    const perKind = KINDS.map((kind) => {
      const c = counts.get(kind) as Counts;
      const notes = [c.failed ? `${c.failed} failed` : '', c.skipped ? `${c.skipped} skipped` : '']
        .filter(Boolean)
        .join(', ');
      return `${kind} ${c.passed}${notes ? ` (${notes})` : ''}`;
    }).join(', ');
    const log = this.#vitest?.logger.log.bind(this.#vitest.logger) ?? console.log;
    log(`\n ${line}\n Redis by server kind (tests passed): ${perKind}\n`);
  }
}
