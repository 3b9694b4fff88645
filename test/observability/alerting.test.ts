import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { type Alert, AlertingCallback, type AlertingCallbackOptions } from '../../src/observability/index.js';

function setup(options: Omit<AlertingCallbackOptions, 'now'>) {
  const clock = { now: 1_000_000 };
  const alerting = new AlertingCallback({ ...options, now: () => clock.now });
  const received: Alert[] = [];
  alerting.on('alert', (alert) => received.push(alert));
  const error = () => alerting.onError({ key: 'k', op: 'get', error: new Error('down') });
  const hit = () => alerting.onGet({ key: 'k', tier: 'l1', value: 1, durationMs: 1 });
  const miss = () => alerting.onMiss({ key: 'k', durationMs: 1 });
  return { alerting, received, clock, error, hit, miss };
}

describe('AlertingCallback: errors', () => {
  it('alerts when more than maxErrors errors happen within the window', () => {
    const { received, clock, error } = setup({ errorRate: { maxErrors: 3, windowMs: 1000 } });
    for (let i = 0; i < 3; i++) {
      error();
      clock.now += 100;
    }
    expect(received).toEqual([]);
    error();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ kind: 'errors', value: 4, threshold: 3, at: 1_000_300 });
    expect(received[0]?.message).toContain('4 cache errors');
  });

  it('slides the window: old errors expire', () => {
    const { received, clock, error } = setup({ errorRate: { maxErrors: 2, windowMs: 1000 } });
    error();
    error();
    clock.now += 1000; // the first two are now exactly windowMs old: outside
    error();
    error();
    expect(received).toEqual([]);
    error();
    expect(received).toHaveLength(1);
    expect(received[0]?.value).toBe(3);
  });

  it('does not repeat an alert within the cooldown, and repeats it after', () => {
    const { alerting, received, clock, error } = setup({
      errorRate: { maxErrors: 0, windowMs: 10_000 },
      cooldownMs: 5000,
    });
    error();
    clock.now += 4999;
    error();
    expect(received).toHaveLength(1);
    clock.now += 1;
    error();
    expect(received).toHaveLength(2);
    expect(alerting.alerts.map((a) => a.at)).toEqual([1_000_000, 1_005_000]);
  });
});

describe('AlertingCallback: miss rate', () => {
  it('waits for minSamples, then alerts above the threshold', () => {
    const { received, miss, hit } = setup({ missRate: { threshold: 0.5, minSamples: 4, windowMs: 1000 } });
    miss();
    miss();
    miss();
    expect(received).toEqual([]);
    hit();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ kind: 'miss-rate', value: 0.75, threshold: 0.5 });
  });

  it('does not alert at exactly the threshold', () => {
    const { received, miss, hit } = setup({ missRate: { threshold: 0.5, minSamples: 2, windowMs: 1000 } });
    hit();
    miss();
    hit();
    miss();
    expect(received).toEqual([]);
  });

  it('uses a sliding window', () => {
    const { received, clock, miss, hit } = setup({
      missRate: { threshold: 0.5, minSamples: 3, windowMs: 1000 },
    });
    for (let i = 0; i < 10; i++) hit();
    clock.now += 500;
    miss();
    miss();
    expect(received).toEqual([]);
    clock.now += 500; // the hits leave the window
    miss();
    expect(received).toHaveLength(1);
    expect(received[0]?.value).toBe(1);
  });

  it('keeps kinds independent for cooldown', () => {
    const { received, error, miss } = setup({
      errorRate: { maxErrors: 0, windowMs: 1000 },
      missRate: { threshold: 0.1, minSamples: 1, windowMs: 1000 },
    });
    error();
    miss();
    error();
    miss();
    expect(received.map((a) => a.kind)).toEqual(['errors', 'miss-rate']);
  });
});

describe('AlertingCallback: listeners and history', () => {
  it('removes listeners and isolates throwing ones', () => {
    const { alerting, error, clock } = setup({ errorRate: { maxErrors: 0, windowMs: 1000 }, cooldownMs: 0 });
    const seen: Alert[] = [];
    const remove = alerting.on('alert', (alert) => seen.push(alert));
    alerting.on('alert', () => {
      throw new Error('listener bug');
    });
    expect(() => error()).not.toThrow();
    remove();
    clock.now += 1;
    error();
    expect(seen).toHaveLength(1);
    expect(alerting.alerts).toHaveLength(2);
  });

  it('bounds the history and returns a copy', () => {
    const { alerting, error, clock } = setup({
      errorRate: { maxErrors: 0, windowMs: 1000 },
      cooldownMs: 0,
      historySize: 2,
    });
    for (let i = 0; i < 5; i++) {
      error();
      clock.now += 1;
    }
    expect(alerting.alerts.map((a) => a.at)).toEqual([1_000_003, 1_000_004]);
    (alerting.alerts as Alert[]).length = 0;
    expect(alerting.alerts).toHaveLength(2);
  });

  it('reset() clears windows, cooldowns and history', () => {
    const { alerting, received, error } = setup({ errorRate: { maxErrors: 1, windowMs: 1000 } });
    error();
    error();
    expect(received).toHaveLength(1);
    alerting.reset();
    expect(alerting.alerts).toEqual([]);
    error();
    expect(received).toHaveLength(1);
    error();
    expect(received).toHaveLength(2);
  });

  it('does nothing without thresholds', () => {
    const { received, error, miss } = setup({});
    for (let i = 0; i < 100; i++) {
      error();
      miss();
    }
    expect(received).toEqual([]);
  });

  it('handles a high event rate', () => {
    const { received, clock, miss } = setup({ missRate: { threshold: 0.99, minSamples: 1, windowMs: 100 } });
    for (let i = 0; i < 100_000; i++) {
      miss();
      if (i % 100 === 0) clock.now += 1;
    }
    expect(received).toHaveLength(1);
  });

  it('validates its options, all at once', () => {
    try {
      new AlertingCallback({
        errorRate: { maxErrors: -1, windowMs: 0 },
        missRate: { threshold: 2, minSamples: 0, windowMs: 10 },
        cooldownMs: -5,
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
        'errorRate.maxErrors',
        'errorRate.windowMs',
        'missRate.threshold',
        'missRate.minSamples',
        'cooldownMs',
      ]);
    }
  });
});
