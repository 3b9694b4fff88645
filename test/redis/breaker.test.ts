import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackendHealthChange } from '../../src/backends/types.js';
import { ValidationError } from '../../src/errors.js';
import { CircuitBreaker } from '../../src/redis/breaker.js';

/** A probe whose answers the test decides; counts its calls. */
function scriptedProbe() {
  const answers: (boolean | undefined)[] = [];
  let calls = 0;
  return {
    answers,
    get calls() {
      return calls;
    },
    probe: (): Promise<boolean> | undefined => {
      calls++;
      const next = answers.shift();
      return next === undefined ? undefined : Promise.resolve(next);
    },
  };
}

describe('CircuitBreaker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens at once on a failure while not ready, reports each change, and closes on a probe answer', async () => {
    const script = scriptedProbe();
    const breaker = new CircuitBreaker({ probeIntervalMs: 100 }, script.probe);
    const changes: BackendHealthChange[] = [];
    breaker.onChange((change) => changes.push(change));
    expect(breaker.state).toBe('closed');
    const reason = new Error('connect ECONNREFUSED');
    breaker.fail(reason, false);
    expect(breaker.state).toBe('open');
    expect(breaker.opened).toBe(1);
    expect(breaker.reason).toBe(reason);
    expect(changes).toEqual([{ state: 'open', previous: 'closed', reason }]);

    script.answers.push(true);
    await vi.advanceTimersByTimeAsync(99);
    expect(script.calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(script.calls).toBe(1);
    expect(breaker.state).toBe('closed');
    expect(breaker.reason).toBeUndefined();
    expect(changes.map((c) => c.state)).toEqual(['open', 'half-open', 'closed']);
    expect(breaker.opened).toBe(1);
  });

  it('needs timeoutThreshold consecutive missed deadlines while ready; an answer resets the count', () => {
    const breaker = new CircuitBreaker({ timeoutThreshold: 3 }, () => undefined);
    const timeout = new Error('timed out');
    breaker.fail(timeout, true);
    breaker.fail(timeout, true);
    breaker.succeed();
    breaker.fail(timeout, true);
    breaker.fail(timeout, true);
    expect(breaker.state).toBe('closed');
    breaker.fail(timeout, true);
    expect(breaker.state).toBe('open');
    expect(breaker.opened).toBe(1);
  });

  it('a failed probe reopens with doubled backoff up to maxProbeIntervalMs; nothing to probe stays open quietly', async () => {
    const script = scriptedProbe();
    const breaker = new CircuitBreaker({ probeIntervalMs: 100, maxProbeIntervalMs: 300 }, script.probe);
    const states: string[] = [];
    breaker.onChange((change) => states.push(change.state));
    breaker.fail(new Error('down'), false);
    script.answers.push(false, false, false);
    await vi.advanceTimersByTimeAsync(100); // probe 1 fails -> next in 200
    expect(script.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(199);
    expect(script.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1); // probe 2 fails -> next in 300 (capped)
    expect(script.calls).toBe(2);
    await vi.advanceTimersByTimeAsync(300);
    expect(script.calls).toBe(3);
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'open', 'half-open', 'open']);
    // The client is reconnecting by itself: no probe can be sent, no half-open flapping.
    await vi.advanceTimersByTimeAsync(300);
    expect(script.calls).toBe(4);
    expect(states).toHaveLength(7);
    // Reopening during one outage is not a new opening.
    expect(breaker.opened).toBe(1);
    breaker.close(); // the client reported ready
    expect(breaker.state).toBe('closed');
    breaker.fail(new Error('down again'), false);
    expect(breaker.opened).toBe(2);
  });

  it('stop() cancels the probe timer for good; listeners can unsubscribe and may throw', async () => {
    const script = scriptedProbe();
    const breaker = new CircuitBreaker({ probeIntervalMs: 10 }, script.probe);
    const seen: string[] = [];
    const off = breaker.onChange((change) => seen.push(change.state));
    breaker.onChange(() => {
      throw new Error('listener bug');
    });
    breaker.fail(new Error('down'), false);
    off();
    breaker.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(script.calls).toBe(0);
    expect(seen).toEqual(['open']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects invalid options, listing every problem', () => {
    expect(
      () =>
        new CircuitBreaker(
          { probeIntervalMs: 0, maxProbeIntervalMs: Number.NaN, timeoutThreshold: 1.5 },
          () => undefined,
        ),
    ).toThrow(ValidationError);
    try {
      new CircuitBreaker({ probeIntervalMs: -1, timeoutThreshold: 0 }, () => undefined);
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
        'breaker.probeIntervalMs',
        'breaker.timeoutThreshold',
      ]);
    }
  });
});
