import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { LocalInvalidationBus } from '../../src/bus/index.js';
import { Budget, OVER_BUDGET } from '../../src/cache/budget.js';
import { ErrorLimiter, type LimitedError } from '../../src/cache/events.js';
import { CircuitOpenError, InfrastructureError, ValidationError } from '../../src/errors.js';
import { AIResponseCache, type CacheEvent, createCache } from '../../src/index.js';
import { fakeClock } from '../helpers/clock.js';
import { ControlledBackend, CountingLock } from '../helpers/health-backend.js';

function collect(cache: ReturnType<typeof createCache>) {
  const events: CacheEvent[] = [];
  for (const type of ['error', 'degraded', 'recovered'] as const) cache.on(type, (e) => events.push(e));
  return {
    events,
    of: (type: CacheEvent['type']) => events.filter((e) => e.type === type),
  };
}

const down = () => new InfrastructureError('connection refused');

describe('ErrorLimiter', () => {
  it('delivers the first of a kind at once, folds the rest, and summarizes with the count', () => {
    const clock = fakeClock();
    const out: LimitedError[] = [];
    const limiter = new ErrorLimiter(1000, clock.now, (r) => out.push(r));
    for (let i = 0; i < 50; i++) limiter.report('get', `k${i}`, down(), undefined);
    limiter.report('set', 'k', down(), undefined); // another kind: at once
    expect(out.map((r) => [r.op, r.suppressed])).toEqual([
      ['get', 0],
      ['set', 0],
    ]);
    clock.advance(999);
    limiter.report('get', 'late', down(), undefined);
    expect(out).toHaveLength(2);
    clock.advance(1);
    limiter.report('get', 'next', down(), { reason: 'x' });
    expect(out[2]).toMatchObject({ op: 'get', key: 'next', suppressed: 50, detail: { reason: 'x' } });
    limiter.close();
  });

  it('flush() and close() deliver pending summaries; interval 0 delivers everything', () => {
    const clock = fakeClock();
    const out: LimitedError[] = [];
    const limiter = new ErrorLimiter(1000, clock.now, (r) => out.push(r));
    limiter.report('get', 'a', down(), undefined);
    limiter.report('get', 'b', down(), undefined);
    limiter.report('get', 'c', down(), undefined);
    limiter.close();
    expect(out.map((r) => [r.key, r.suppressed])).toEqual([
      ['a', 0],
      ['c', 2],
    ]);
    const all: LimitedError[] = [];
    const unlimited = new ErrorLimiter(0, clock.now, (r) => all.push(r));
    for (let i = 0; i < 5; i++) unlimited.report('get', 'k', down(), undefined);
    expect(all).toHaveLength(5);
  });

  it('kinds are op + error code: a different code is not folded', () => {
    const clock = fakeClock();
    const out: LimitedError[] = [];
    const limiter = new ErrorLimiter(1000, clock.now, (r) => out.push(r));
    limiter.report('get', 'a', down(), undefined);
    limiter.report('get', 'a', new CircuitOpenError('open'), undefined);
    limiter.report('get', 'a', new CircuitOpenError('open'), undefined);
    expect(out.map((r) => (r.error as InfrastructureError).code)).toEqual([
      'E_INFRASTRUCTURE',
      'E_CIRCUIT_OPEN',
    ]);
    limiter.close();
  });
});

describe('Cache: error events are rate-limited, stats count every error', () => {
  it('an outage of 200 failed reads gives one event, then one summary per interval', async () => {
    const clock = fakeClock();
    const backend = new ControlledBackend();
    backend.fault = () => down();
    const cache = createCache({ backend, l1: false, now: clock.now });
    const { of } = collect(cache);
    const onError: { suppressed?: number }[] = [];
    cache.use({ onError: (context) => void onError.push(context) });
    for (let i = 0; i < 200; i++) expect(await cache.get(`k${i}`)).toBeUndefined();
    expect(of('error')).toHaveLength(1);
    expect(onError).toHaveLength(1);
    expect(cache.stats().errors).toBe(200);
    clock.advance(1000);
    await cache.get('again');
    expect(of('error')).toHaveLength(2);
    expect(of('error')[1]?.detail).toMatchObject({ suppressed: 199 });
    expect(onError[1]).toMatchObject({ suppressed: 199 });
    expect(cache.stats().errors).toBe(201);
    await cache.close();
  });

  it('close() delivers the pending summary', async () => {
    const clock = fakeClock();
    const backend = new ControlledBackend();
    backend.fault = () => down();
    const cache = createCache({ backend, l1: false, now: clock.now, errorEvents: { intervalMs: 5000 } });
    const { of } = collect(cache);
    for (let i = 0; i < 10; i++) await cache.get(`k${i}`);
    expect(of('error')).toHaveLength(1);
    await cache.close();
    expect(of('error')).toHaveLength(2);
    expect(of('error')[1]?.detail).toMatchObject({ suppressed: 9 });
  });

  it('rejects an invalid interval', () => {
    expect(() => createCache({ errorEvents: { intervalMs: -1 } })).toThrow(ValidationError);
    expect(() => createCache({ errorEvents: { intervalMs: Number.NaN } })).toThrow(/errorEvents.intervalMs/);
  });
});

describe('Cache: an error about one key concerns that key only', () => {
  it('WRONGTYPE on one key: a miss, the key deleted, the others still hit from the backend, not degraded', async () => {
    const backend = new ControlledBackend();
    const cache = createCache({ backend, l1: false });
    const { of } = collect(cache);
    for (let i = 0; i < 100; i++) await cache.set(`k${i}`, i);
    const bad = await cache.fullKey('k7');
    backend.fault = (op, key) =>
      op === 'get' && key === bad
        ? new InfrastructureError('WRONGTYPE Operation against a key holding the wrong kind of value', {
            scope: 'key',
          })
        : undefined;
    let hits = 0;
    for (let i = 0; i < 100; i++) if ((await cache.get(`k${i}`)) === i) hits++;
    expect(hits).toBe(99);
    expect(cache.stats().l2.hits).toBe(99);
    expect(of('degraded')).toHaveLength(0);
    expect(cache.stats().degraded).toBe(false);
    expect(of('error')[0]).toMatchObject({ op: 'get', key: bad, detail: { scope: 'key' } });
    await new Promise((r) => setImmediate(r));
    expect(backend.calls).toContainEqual({ op: 'delete', key: bad });
    // The next write repairs it.
    backend.fault = undefined;
    expect(await cache.getOrSet('k7', () => 7)).toBe(7);
    expect(await cache.get('k7')).toBe(7);
  });

  it('an OOM refusal of writes drops them without degrading; reads keep using the backend', async () => {
    const backend = new ControlledBackend();
    const cache = createCache({ backend, l1: false });
    const { of } = collect(cache);
    await cache.set('old', 'kept');
    // A backend that does not classify yet: the Redis reply text is recognized.
    backend.fault = (op) =>
      op === 'set' ? new Error("OOM command not allowed when used memory > 'maxmemory'.") : undefined;
    for (let i = 0; i < 20; i++) await cache.set(`new${i}`, i);
    expect(await cache.get('old')).toBe('kept');
    expect(await cache.get('new3')).toBeUndefined();
    expect(of('degraded')).toHaveLength(0);
    expect(cache.stats()).toMatchObject({ degraded: false, errors: 20, l2: { hits: 1 } });
    // Writes are not deleted after a refusal.
    expect(backend.calls.filter((c) => c.op === 'delete')).toHaveLength(0);
  });

  it('a connection-scope failure does degrade (and the fallback takes over)', async () => {
    const backend = new ControlledBackend();
    const fallback = new MemoryBackend();
    const cache = createCache({ backend, fallback, l1: false });
    const { of } = collect(cache);
    backend.fault = () => down();
    await cache.set('a', 1);
    expect(of('degraded')).toHaveLength(1);
    expect(await cache.get('a')).toBe(1); // from the fallback
  });
});

describe('Cache: follows the backend circuit breaker', () => {
  it('open: degraded, no I/O, misses and dropped writes; closed: recovered and back on the backend', async () => {
    const backend = new ControlledBackend();
    const cache = createCache({ backend, l1: false });
    const { of } = collect(cache);
    await cache.set('a', 1);
    expect(cache.stats().breaker).toEqual({ state: 'closed', opened: 0 });
    backend.health.set('open', new Error('ECONNREFUSED'));
    expect(of('degraded')).toHaveLength(1);
    expect(of('degraded')[0]?.detail).toEqual({ reason: 'circuit-open' });
    // The opening itself is an error event (a fallback may serve every later call silently).
    expect(of('error')).toHaveLength(1);
    expect(of('error')[0]?.detail).toEqual({ reason: 'circuit-open' });
    expect(cache.stats()).toMatchObject({ degraded: true, breaker: { state: 'open', opened: 1 } });
    expect(cache.degraded).toBe(true);
    const before = backend.calls.length;
    for (let i = 0; i < 50; i++) expect(await cache.get('a')).toBeUndefined();
    await cache.set('b', 2);
    expect(await cache.getOrSet('c', () => 3)).toBe(3);
    expect(backend.calls.length).toBe(before); // nothing reached the backend
    // The opening, then one set: the 51 gets of the opening's kind are folded (rate-limited).
    expect(of('error')).toHaveLength(2);
    expect(of('error')[0]?.error).toBeInstanceOf(CircuitOpenError);
    expect(cache.stats().errors).toBe(54); // 1 opening + 50 gets + 1 set + 2 for getOrSet
    backend.health.set('half-open');
    backend.health.set('closed');
    expect(of('recovered')).toHaveLength(1);
    expect(cache.stats()).toMatchObject({ degraded: false, breaker: { state: 'closed', opened: 1 } });
    expect(await cache.get('a')).toBe(1);
  });

  it('with a fallback, the fallback serves while the breaker is open', async () => {
    const backend = new ControlledBackend();
    const cache = createCache({ backend, fallback: new MemoryBackend(), l1: false });
    backend.health.set('open');
    await cache.set('x', 'during');
    expect(await cache.get('x')).toBe('during');
    expect(backend.calls).toHaveLength(0);
  });

  it('a breaker already open at creation degrades at once; close() unsubscribes', async () => {
    const backend = new ControlledBackend();
    backend.health.set('open');
    const cache = createCache({ backend });
    expect(cache.stats().degraded).toBe(true);
    expect(backend.health.listeners.size).toBe(1);
    await cache.close();
    expect(backend.health.listeners.size).toBe(0);
  });

  it('skips the distributed lock while the breaker is open, uses it when closed', async () => {
    const backend = new ControlledBackend();
    const lock = new CountingLock();
    const cache = createCache({ backend, lock, l1: false });
    backend.health.set('open');
    expect(await cache.getOrSet('k', () => 'v', { lock: true })).toBe('v');
    expect(lock.acquires).toBe(0);
    backend.health.set('closed');
    expect(await cache.getOrSet('k2', () => 'v2', { lock: true })).toBe('v2');
    expect(lock.acquires).toBe(1);
  });

  it('skips the lock while degraded by failures too (no breaker needed)', async () => {
    const backend = new ControlledBackend();
    backend.fault = () => down();
    const lock = new CountingLock();
    const cache = createCache({ backend, lock, l1: false });
    await cache.get('warm'); // degrades
    expect(await cache.getOrSet('k', () => 'v', { lock: true })).toBe('v');
    expect(lock.acquires).toBe(0);
  });
});

describe('Cache: the per-call budget', () => {
  const generous = 2000; // far above the 30 ms budget, far below a hang

  it('a hung backend: lookup and store together take at most the budget, the producer value is returned', async () => {
    const backend = new ControlledBackend();
    backend.fault = () => 'hang';
    const cache = createCache({ backend, budget: 30 });
    expect(cache.budgetMs).toBe(30);
    let produced = 0;
    const started = performance.now();
    const result = await cache.resolve('k', () => ++produced);
    expect(result).toEqual({ value: 1, status: 'miss' });
    expect(performance.now() - started).toBeLessThan(generous);
    expect(backend.calls.map((c) => c.op)).toEqual(['get', 'set']);
    // L1 holds the value even though the store is still pending.
    expect(await cache.get('k')).toBe(1);
  });

  it('a hung store alone: the value is returned, the write goes on in the background', async () => {
    const backend = new ControlledBackend();
    backend.fault = (op) => (op === 'set' ? 'hang' : undefined);
    const cache = createCache({ backend, l1: false, budget: 30 });
    const started = performance.now();
    expect(await cache.getOrSet('k', () => 'v')).toBe('v');
    expect(performance.now() - started).toBeLessThan(generous);
  });

  it('a hung lock acquisition counts against the budget: the producer runs without the lock', async () => {
    const backend = new ControlledBackend();
    const lock = new CountingLock();
    lock.hang = true;
    const cache = createCache({ backend, lock, l1: false });
    const started = performance.now();
    expect(await cache.getOrSet('k', () => 'v', { lock: true, budget: 30 })).toBe('v');
    expect(performance.now() - started).toBeLessThan(generous);
    expect(lock.acquires).toBe(1);
    expect(await cache.get('k')).toBe('v');
  });

  it('wrap() shares the budget path; the default budget is the backend command timeout, else 1000', async () => {
    const backend = new ControlledBackend();
    backend.commandTimeoutMs = 250;
    expect(createCache({ backend }).budgetMs).toBe(250);
    expect(createCache({ backend: new MemoryBackend() }).budgetMs).toBe(1000);
    const hung = new ControlledBackend();
    hung.fault = () => 'hang';
    const cache = createCache({ backend: hung, l1: false, budget: '20ms' });
    const double = cache.wrap(async (n: number) => n * 2, { name: 'double' });
    expect(await double(21)).toBe(42);
    expect(() => createCache({ budget: 'soon' })).toThrow(ValidationError);
    await expect(cache.getOrSet('x', () => 1, { budget: -5 })).rejects.toThrow(ValidationError);
  });

  it('a fast backend is unaffected by the budget (hits from L2)', async () => {
    const backend = new ControlledBackend();
    const cache = createCache({ backend, l1: false, budget: 30 });
    await cache.set('k', 'v');
    expect(await cache.resolve('k', () => 'other')).toEqual({ value: 'v', status: 'hit' });
  });
});

describe('Cache: close() closes what it owns', () => {
  it('closes backend, fallback, lock and bus once each, in parallel, even when shared', async () => {
    const backend = new ControlledBackend();
    const fallback = new ControlledBackend();
    const bus = new LocalInvalidationBus();
    let busCloses = 0;
    const closeBus = bus.close.bind(bus);
    bus.close = () => {
      busCloses++;
      return closeBus();
    };
    // One object as both lock and bus.
    const both = Object.assign(new CountingLock(), {
      id: 'x',
      connected: true,
      publish: async () => {},
      subscribe: () => () => {},
      onStatus: () => () => {},
    });
    const cache = createCache({ backend, fallback, lock: both, bus: both });
    await cache.close();
    await cache.close();
    expect([backend.closed, fallback.closed, both.closed]).toEqual([1, 1, 1]);
    const second = createCache({ backend: new ControlledBackend(), bus });
    await second.close();
    expect(busCloses).toBe(1);
  });

  it('owns: false leaves everything open; per component too', async () => {
    const backend = new ControlledBackend();
    const lock = new CountingLock();
    await createCache({ backend, lock, owns: false }).close();
    expect([backend.closed, lock.closed]).toEqual([0, 0]);
    await createCache({ backend, lock, owns: { lock: false } }).close();
    expect([backend.closed, lock.closed]).toEqual([1, 0]);
    expect(() => createCache({ owns: { cable: true } as never })).toThrow(/owns.cable/);
  });

  it('never throws: a failing close is an error event; a namespace does not close the root', async () => {
    const backend = new ControlledBackend();
    backend.close = async () => {
      throw new Error('close failed');
    };
    const lock = new CountingLock();
    const cache = createCache({ backend, lock });
    const { of } = collect(cache);
    await cache.namespace('tenant').close();
    expect(lock.closed).toBe(0);
    await expect(cache.close()).resolves.toBeUndefined();
    expect(lock.closed).toBe(1);
    expect(of('error')[0]).toMatchObject({ op: 'close' });
  });
});

describe('AIResponseCache: close() closes what it owns', () => {
  it('closes a handed backend and lock once each; owns: false or per component leaves them open', async () => {
    const backend = new ControlledBackend();
    const lock = new CountingLock();
    const ai = new AIResponseCache({ backend, lock });
    await ai.close();
    await ai.close();
    expect([backend.closed, lock.closed]).toEqual([1, 1]);
    const kept = new AIResponseCache({ backend, lock, owns: false });
    await kept.close();
    expect([backend.closed, lock.closed]).toEqual([1, 1]);
    const partly = new AIResponseCache({ backend, lock, owns: { lock: false } });
    await partly.close();
    expect([backend.closed, lock.closed]).toEqual([2, 1]);
  });

  it('reports the backend breaker in stats()', () => {
    const backend = new ControlledBackend();
    const ai = new AIResponseCache({ backend });
    backend.health.set('open');
    expect(ai.stats()).toMatchObject({ degraded: true, breaker: { state: 'open', opened: 1 } });
  });
});

describe('ErrorLimiter kinds', () => {
  it('a key-scope failure is not folded into connection failures of the same op', () => {
    const clock = fakeClock();
    const out: LimitedError[] = [];
    const limiter = new ErrorLimiter(1000, clock.now, (r) => out.push(r));
    limiter.report('get', 'a', down(), undefined);
    limiter.report('get', 'b', new InfrastructureError('WRONGTYPE', { scope: 'key' }), undefined);
    limiter.report('get', 'c', down(), undefined);
    expect(out.map((r) => r.key)).toEqual(['a', 'b']);
    limiter.close();
  });
});

describe('Budget', () => {
  it('charges each step the time it took (injected clock) and stops bounding once spent', async () => {
    let t = 0;
    const budget = new Budget(100, () => t);
    const step = (ms: number) =>
      budget.bound(
        Promise.resolve().then(() => {
          t += ms;
          return ms;
        }),
      );
    expect(await step(30)).toBe(30);
    expect(budget.left).toBe(70);
    expect(await step(70)).toBe(70);
    expect(budget.spent).toBe(true);
    let late = false;
    const pending = new Promise<void>((resolve) => setTimeout(resolve, 5)).then(() => {
      late = true;
    });
    expect(await budget.bound(pending)).toBe(OVER_BUDGET);
    expect(late).toBe(false);
  });

  it('a step slower than the budget resolves OVER_BUDGET; a rejection passes through', async () => {
    const budget = new Budget(10);
    expect(await budget.bound(new Promise(() => {}))).toBe(OVER_BUDGET);
    expect(budget.spent).toBe(true);
    await expect(new Budget(50).bound(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    // Concurrent steps share the grid timers and each settles on its own.
    const many = await Promise.all(
      Array.from({ length: 100 }, (_, i) => new Budget(1000).bound(Promise.resolve(i))),
    );
    expect(many).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
