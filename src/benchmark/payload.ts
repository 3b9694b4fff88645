/**
 * Default values of the benchmark API: deterministic JSON documents of a requested size whose
 * text varies (so compression behaves as on real data, not on a repeated word).
 *
 * @module
 */

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ren',
  'to',
  'sa',
  'vel',
  'qu',
  'in',
  'dor',
  'pa',
  'he',
  'ne',
  'tri',
  'um',
  'os',
  'la',
  'ber',
  'chi',
  'fa',
  'go',
  'wy',
  'zen',
  'ex',
  'ar',
  'li',
  'mo',
  'su',
  'ta',
  'ri',
] as const;

/** A small deterministic PRNG (mulberry32) returning floats in [0, 1). */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The value {@link CachePerformanceBenchmark} stores by default. */
export interface DefaultBenchmarkValue {
  id: string;
  index: number;
  createdAt: number;
  body: string;
}

/**
 * A JSON document of about `dataSize` bytes (once serialized) made of pseudo-words, the same
 * for the same `index` and `dataSize`.
 */
export function defaultBenchmarkValue(index: number, dataSize: number): DefaultBenchmarkValue {
  const random = createRandom(index * 2654435761 + dataSize);
  const head = { id: `item-${index}`, index, createdAt: 1_700_000_000_000 + index };
  const room = Math.max(0, dataSize - JSON.stringify({ ...head, body: '' }).length);
  const parts: string[] = [];
  let length = 0;
  while (length < room) {
    const syllables = 1 + Math.floor(random() * 3);
    let word = '';
    for (let s = 0; s < syllables; s++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    parts.push(word);
    length += word.length + 1;
  }
  return { ...head, body: parts.join(' ').slice(0, room) };
}
