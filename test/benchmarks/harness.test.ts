import { describe, expect, it } from 'vitest';
import { type CaseResult, cost, medians, pairedCost } from '../../benchmarks/harness.js';
import { chatCompletion, prose, responseOfSize } from '../../benchmarks/payload.js';

describe('bench payload generator', () => {
  it('makes chat.completion JSON of exactly the requested size, deterministically', () => {
    for (const size of [700, 1024, 2048, 10_240, 51_200]) {
      const doc = chatCompletion(size, 3);
      expect(JSON.stringify(doc).length).toBe(size);
      expect(Buffer.byteLength(JSON.stringify(doc))).toBe(size);
      expect(chatCompletion(size, 3)).toEqual(doc);
      expect(doc.object).toBe('chat.completion');
      expect(doc.choices[0]?.message.content.length).toBeGreaterThan(0);
    }
    expect(chatCompletion(2048, 4).choices[0]?.message.content).not.toBe(
      chatCompletion(2048, 3).choices[0]?.message.content,
    );
  });

  it('writes varied prose, not a repeated phrase', () => {
    const text = prose(20_000, 1);
    const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
    expect(new Set(words).size).toBeGreaterThan(250);
    const sentences = text.split(/[.!?]\s/);
    expect(new Set(sentences).size).toBeGreaterThan(sentences.length * 0.95);
  });

  it('makes small responses of exact size too', () => {
    for (const size of [128, 256, 512]) expect(JSON.stringify(responseOfSize(size, 2)).length).toBe(size);
  });
});

describe('bench harness arithmetic', () => {
  const result = (rounds: Record<string, number>[]): CaseResult => ({
    name: 'x',
    kind: 'ours',
    note: undefined,
    iterations: 1,
    rounds,
    median: medians(rounds),
    ratio: 1,
    ratios: [],
  });

  it('takes medians per metric over rounds', () => {
    expect(
      medians([
        { a: 3, b: 1 },
        { a: 1, b: 2 },
        { a: 2, b: 10 },
      ]),
    ).toEqual({ a: 2, b: 2 });
  });

  it('expresses cost relative to a limit for durations and for throughput', () => {
    expect(cost(2, 1, 'lower')).toBe(2);
    expect(cost(500, 1000, 'higher')).toBe(2);
  });

  it('pairs rounds before taking the median ratio', () => {
    // The machine slows down 4x from round 2 on, and case b happens to dodge it in round 2:
    // per-round ratios are [2, 8, 2] (median 2), while the ratio of medians would be 8 / 1.
    const a = result([{ t: 2 }, { t: 8 }, { t: 8 }]);
    const b = result([{ t: 1 }, { t: 1 }, { t: 4 }]);
    expect(pairedCost(a, b, 't', 'lower')).toBe(2);
    expect((a.median.t ?? 0) / (b.median.t ?? 1)).toBe(8);
  });
});
