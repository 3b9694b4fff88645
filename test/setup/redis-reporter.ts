/**
 * A tiny vitest reporter, added next to the default one, that ends the run with one line
 * saying how many Redis tests really ran against a real `redis-server`:
 *
 *   Redis: 57 tests ran against a real redis-server (127.0.0.1:41234)
 *
 * Counting rule: tests declared inside `describeRedis()` / `describeOwnRedisServer()` from
 * `test/helpers/redis.ts` (they carry `meta.redisServer === true`), in any test file. By
 * convention those live in files named `*.redis.test.ts`. Tests of such a file that do not
 * need a server (e.g. option validation) are not counted. Passed tests are reported; failed
 * and skipped ones are mentioned when there are any.
 *
 * @module
 */
import type { Reporter, TestModule, Vitest } from 'vitest/node';

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
    let passed = 0;
    let skipped = 0;
    let failed = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        if (test.meta().redisServer !== true) continue;
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'skipped') skipped++;
        else if (state === 'failed') failed++;
      }
    }
    if (passed + skipped + failed === 0) return;
    const url = this.#vitest?.getRootProject().getProvidedContext().redisUrl;
    const where = url ? hostOf(url) : 'no server';
    const extra = [failed ? `${failed} failed` : '', skipped ? `${skipped} skipped` : '']
      .filter(Boolean)
      .join(', ');
    const line = `Redis: ${passed} tests ran against a real redis-server (${where})${extra ? `; ${extra}` : ''}`;
    const log = this.#vitest?.logger.log.bind(this.#vitest.logger) ?? console.log;
    log(`\n ${line}\n`);
  }
}
