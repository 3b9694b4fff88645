import { describe, expect, it } from 'vitest';
import { measure, measureSync, median, percentile, summarize } from '../../src/benchmark/index.js';
import { ValidationError } from '../../src/errors.js';

/** A clock that only moves when a call says how long it took. */
function syntheticClock() {
  let t = 0;
  return { clock: () => t, spend: (ms: number) => (t += ms) };
}

describe('percentile (nearest rank)', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it('returns the smallest sample covering p% of the samples', () => {
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
  });

  it('rounds the rank up on small sets', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20); // rank ceil(1.5) = 2
    expect(percentile([10, 20, 30, 40], 50)).toBe(20); // rank 2, not an interpolation
    expect(percentile([10, 20, 30, 40], 99)).toBe(40);
    expect(percentile([7], 1)).toBe(7);
  });

  it('is 0 on no samples', () => {
    expect(percentile([], 50)).toBe(0);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('summarize', () => {
  it('reports count, total, mean, min, max and percentiles', () => {
    const s = summarize(Float64Array.from([1, 2, 3, 4, 10]));
    expect(s).toEqual({ count: 5, total: 20, mean: 4, min: 1, max: 10, p50: 3, p95: 10, p99: 10 });
  });
});

describe('measure', () => {
  it('reports the synthetic timings it was fed, sorted, with nearest-rank percentiles', async () => {
    const { clock, spend } = syntheticClock();
    // 100 calls taking 1..100 ms, in shuffled order.
    const durations = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    const m = await measure(
      async (i) => {
        spend(durations[i] as number);
      },
      { iterations: 100, clock },
    );
    expect(Array.from(m.samples)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const s = summarize(m.samples);
    expect(s.p50).toBe(50);
    expect(s.p95).toBe(95);
    expect(s.p99).toBe(99);
    expect(s.min).toBe(1);
    expect(s.max).toBe(100);
    expect(m.iterations).toBe(100);
    expect(m.wallMs).toBe(5050);
    expect(m.opsPerSec).toBeCloseTo(100_000 / 5050, 10);
    expect(m.errors).toBe(0);
  });

  it('does not time warm-up calls', async () => {
    const { clock, spend } = syntheticClock();
    let calls = 0;
    const m = await measure(
      () => {
        calls++;
        spend(calls <= 5 ? 1000 : 2);
      },
      { iterations: 10, warmup: 5, clock },
    );
    expect(calls).toBe(15);
    expect(summarize(m.samples).max).toBe(2);
    expect(m.wallMs).toBe(20);
  });

  it('times batches as the mean duration of their calls', async () => {
    const { clock, spend } = syntheticClock();
    const m = await measure((i) => spend(i < 4 ? 1 : 3), { iterations: 8, batch: 4, clock });
    expect(Array.from(m.samples)).toEqual([1, 3]);
    expect(m.iterations).toBe(8);
    expect(m.batch).toBe(4);
  });

  it('keeps `concurrency` calls in flight and makes every call once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const seen: number[] = [];
    const m = await measure(
      async (i) => {
        seen.push(i);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
      },
      { iterations: 50, concurrency: 8 },
    );
    expect(maxInFlight).toBe(8);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(m.samples.length).toBe(50);
    expect(m.concurrency).toBe(8);
  });

  it('counts errors instead of throwing', async () => {
    const boom = new Error('boom');
    const m = await measure(
      async (i) => {
        if (i % 4 === 0) throw boom;
      },
      { iterations: 20 },
    );
    expect(m.errors).toBe(5);
    expect(m.firstError).toBe(boom);
  });

  it('tracks heap start, peak and end with an injected probe', async () => {
    const heap = [100, 500, 300, 200];
    let n = 0;
    const m = await measure(() => undefined, {
      iterations: 4,
      heap: () => heap[Math.min(n++, heap.length - 1)] as number,
      heapEvery: 2,
    });
    expect(m.heapStartBytes).toBe(100);
    expect(m.heapPeakBytes).toBe(500);
    expect(m.heapEndBytes).toBe(200);
  });

  it('rejects invalid options with a ValidationError', async () => {
    await expect(measure(() => undefined, { iterations: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(measure(() => undefined, { iterations: 1, concurrency: 1.5 })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe('measureSync', () => {
  it('times synchronous calls without awaiting them', () => {
    const { clock, spend } = syntheticClock();
    const m = measureSync((i) => spend([5, 1, 3][i] as number), { iterations: 3, clock });
    expect(Array.from(m.samples)).toEqual([1, 3, 5]);
    expect(m.wallMs).toBe(9);
  });

  it('refuses concurrency', () => {
    expect(() => measureSync(() => 1, { iterations: 3, concurrency: 2 })).toThrow(ValidationError);
  });
});
