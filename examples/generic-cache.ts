/**
 * The generic cache on its own: an in-process L1 in front of a byte backend, getOrSet with
 * single-flight, namespaces, events. Uses Redis when REDIS_URL is set, an embedded memory
 * backend otherwise.
 *
 *   npx tsx examples/generic-cache.ts
 */
import { createCache, MemoryBackend, RedisBackend } from '../src/index.js';

export async function runGenericCacheExample(log: (line: string) => void = console.log): Promise<void> {
  const backend = process.env.REDIS_URL
    ? new RedisBackend({ url: process.env.REDIS_URL })
    : new MemoryBackend();
  const cache = createCache({ prefix: 'example', backend, ttl: '10m', l1: { maxEntries: 1000 } });
  const counts = { hit: 0, miss: 0, set: 0 };
  cache.on('hit', () => counts.hit++);
  cache.on('miss', () => counts.miss++);
  cache.on('set', () => counts.set++);

  // A slow "database" call that 50 concurrent requests want at once.
  let producerCalls = 0;
  const loadUser = async (id: number) => {
    producerCalls++;
    await new Promise((r) => setTimeout(r, 50));
    return { id, name: `User ${id}`, roles: ['reader'] };
  };
  const users = cache.namespace('users');
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: 50 }, () => users.getOrSet(42, () => loadUser(42))));
  log(
    `50 concurrent getOrSet on one key -> ${producerCalls} producer call, ${results.length} answers in ${(performance.now() - started).toFixed(1)} ms`,
  );

  const t0 = performance.now();
  for (let i = 0; i < 10_000; i++) await users.get(42);
  log(`10,000 L1 hits in ${(performance.now() - t0).toFixed(1)} ms`);

  const big = { text: 'The quick brown fox jumps over the lazy dog. '.repeat(200) };
  const stored = await cache.set('big', big);
  log(
    `a ${stored.serializedBytes} B value is stored as ${stored.bytes} B (compressed: ${stored.compressed})`,
  );

  await users.clear();
  log(
    `after users.clear(): ${JSON.stringify(await users.get(42))}; 'big' still there: ${(await cache.get('big')) !== undefined}`,
  );
  const s = cache.stats();
  log(
    `stats: ${s.hits} hits, ${s.misses} misses, hit ratio ${(s.hitRatio * 100).toFixed(1)}%, L1 ${s.l1.entries} entries / ${s.l1.bytes} B; events seen: ${JSON.stringify(counts)}`,
  );
  await cache.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runGenericCacheExample();
}
