/**
 * `createRandom` (`ai-response-cache/bench`): the seeded PRNG (mulberry32) behind the default
 * benchmark values, so that two runs store the same payloads.
 */
import { describe, expect, it } from 'vitest';
import { createRandom, defaultBenchmarkValue } from '../../src/benchmark/index.js';

const take = (random: () => number, n: number) => Array.from({ length: n }, () => random());

describe('createRandom', () => {
  it('is mulberry32: the reference sequence of seed 42', () => {
    expect(take(createRandom(42), 3)).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  it('is deterministic per seed, and different seeds give different sequences', () => {
    expect(take(createRandom(7), 20)).toEqual(take(createRandom(7), 20));
    expect(take(createRandom(7), 20)).not.toEqual(take(createRandom(8), 20));
  });

  it('seeds are taken as unsigned 32-bit integers', () => {
    expect(take(createRandom(2 ** 32 + 5), 5)).toEqual(take(createRandom(5), 5));
    expect(take(createRandom(-1), 5)).toEqual(take(createRandom(2 ** 32 - 1), 5));
    expect(take(createRandom(3.9), 5)).toEqual(take(createRandom(3), 5));
  });

  it('returns floats in [0, 1), spread evenly', () => {
    const values = take(createRandom(123), 10_000);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    const deciles = new Array<number>(10).fill(0);
    for (const v of values) deciles[Math.floor(v * 10)] = (deciles[Math.floor(v * 10)] ?? 0) + 1;
    for (const count of deciles) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });

  it('each generator has its own state', () => {
    const a = createRandom(1);
    const b = createRandom(1);
    a();
    a();
    expect(b()).toBe(createRandom(1)());
  });

  it('makes the default benchmark values reproducible: the same index and size, the same document', () => {
    expect(defaultBenchmarkValue(3, 512)).toEqual(defaultBenchmarkValue(3, 512));
    expect(defaultBenchmarkValue(3, 512).body).not.toBe(defaultBenchmarkValue(4, 512).body);
  });
});
