import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InfrastructureError } from '../../src/errors.js';
import {
  EXPIRY_MARGIN_MS,
  type WaitContext,
  WaiterRegistry,
  waitForRelease,
} from '../../src/locks/release-wait.js';

/** A wait context over a fake lock whose PTTL replies are taken from `pttls` in order. */
function fakeContext(pttls: number[], overrides: Partial<WaitContext> = {}) {
  const reported: unknown[] = [];
  const looks: number[] = [];
  const context: WaitContext = {
    waiters: new WaiterRegistry(),
    commandTimeoutMs: 100,
    refusal: () => undefined,
    whenSubscribed: () => Promise.resolve(),
    subscribeError: (error) => error as Error,
    pttl: async () => {
      looks.push(performance.now());
      return pttls.shift() ?? -2;
    },
    report: (error) => reported.push(error),
    ...overrides,
  };
  return { context, reported, looks };
}

describe('WaiterRegistry', () => {
  it('counts, notifies per key, rechecks and abandons all, and forgets removed waiters', () => {
    const registry = new WaiterRegistry();
    const log: string[] = [];
    const waiter = (name: string) => ({
      notify: () => log.push(`${name} notify`),
      recheck: () => log.push(`${name} recheck`),
      abandon: () => log.push(`${name} abandon`),
    });
    const a = waiter('a');
    const b = waiter('b');
    registry.add('k1', a);
    registry.add('k2', b);
    expect(registry.size).toBe(2);
    registry.notify('k1');
    registry.notify('none');
    registry.recheckAll();
    registry.remove('k1', a);
    registry.remove('k1', a);
    registry.abandonAll();
    expect(registry.size).toBe(1);
    expect(log).toEqual(['a notify', 'a recheck', 'b recheck', 'b abandon']);
  });
});

describe('waitForRelease', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is 'released' when the first look finds no key, and unregisters", async () => {
    const { context } = fakeContext([-2]);
    await expect(waitForRelease(context, 'lock:k', 1000)).resolves.toBe('released');
    expect(context.waiters.size).toBe(0);
  });

  it("is 'released' on a release message, without waiting for the expiry", async () => {
    const { context } = fakeContext([5000]);
    const wait = waitForRelease(context, 'lock:k', 10_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(context.waiters.size).toBe(1);
    context.waiters.notify('lock:k');
    await expect(wait).resolves.toBe('released');
  });

  it("looks again when the lock would have expired: 'expired' when it is gone by then", async () => {
    const { context, looks } = fakeContext([200, -2]);
    const wait = waitForRelease(context, 'lock:k', 10_000);
    await vi.advanceTimersByTimeAsync(200 + EXPIRY_MARGIN_MS);
    await expect(wait).resolves.toBe('expired');
    expect(looks).toHaveLength(2);
    expect((looks[1] as number) - (looks[0] as number)).toBe(200 + EXPIRY_MARGIN_MS);
  });

  it("is 'timeout' at the deadline while the lock is still held", async () => {
    const { context } = fakeContext([60_000, 60_000]);
    const wait = waitForRelease(context, 'lock:k', 300);
    await vi.advanceTimersByTimeAsync(300);
    await expect(wait).resolves.toBe('timeout');
  });

  it("is 'expired' at once, reporting the error, when Redis cannot be asked", async () => {
    const refused = new Error('breaker open');
    const down = fakeContext([], { refusal: () => refused });
    await expect(waitForRelease(down.context, 'lock:k', 1000)).resolves.toBe('expired');
    expect(down.reported).toEqual([refused]);

    const failure = new InfrastructureError('PTTL failed');
    const failing = fakeContext([], {
      pttl: () => Promise.reject(failure),
    });
    await expect(waitForRelease(failing.context, 'lock:k', 1000)).resolves.toBe('expired');
    expect(failing.reported).toEqual([failure]);

    const wrapped = new Error('wrapped');
    const unsubscribed = fakeContext([], {
      whenSubscribed: () => Promise.reject(new Error('no subscribe')),
      subscribeError: () => wrapped,
    });
    await expect(waitForRelease(unsubscribed.context, 'lock:k', 1000)).resolves.toBe('expired');
    expect(unsubscribed.reported).toEqual([wrapped]);
  });

  it('rechecks after a reconnect and rejects with the reason when aborted', async () => {
    const { context, looks } = fakeContext([60_000, 60_000]);
    const controller = new AbortController();
    const wait = waitForRelease(context, 'lock:k', 120_000, controller.signal);
    await vi.advanceTimersByTimeAsync(0);
    context.waiters.recheckAll();
    await vi.advanceTimersByTimeAsync(0);
    expect(looks).toHaveLength(2);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(wait).rejects.toBe(reason);
    expect(context.waiters.size).toBe(0);
  });
});
