import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import {
  backendFailed,
  breakerOpen,
  failureScope,
  io,
  keyFailed,
  markDegraded,
  markRecovered,
} from '../../src/cache/failover.js';
import { CircuitOpenError, InfrastructureError, SerializationError } from '../../src/errors.js';
import { ControlledBackend } from '../helpers/health-backend.js';
import { readyScope, recordEvents } from './fixtures/scope.js';

const refused = () => new InfrastructureError('connect ECONNREFUSED');

describe('failover module', () => {
  it('failureScope: key-scoped errors, undecodable entries and WRONGTYPE/OOM in the cause chain concern one key', () => {
    expect(failureScope(new InfrastructureError('x', { scope: 'key' }))).toBe('key');
    expect(failureScope(new SerializationError('bad entry'))).toBe('key');
    expect(failureScope(new Error('outer', { cause: new Error('WRONGTYPE Operation against a key') }))).toBe(
      'key',
    );
    expect(failureScope(new Error('OOM command not allowed'))).toBe('key');
    expect(failureScope(new CircuitOpenError('open'))).toBe('connection');
    expect(failureScope(refused())).toBe('connection');
    expect(failureScope('weird')).toBe('connection');
  });

  it('markDegraded / markRecovered announce each transition once; recovery clears the fallback', async () => {
    const fallback = new MemoryBackend();
    const s = await readyScope({
      backend: new ControlledBackend(),
      fallback,
      bus: false,
      fallbackWarning: false,
    });
    await fallback.set('cache::k', new Uint8Array([1]), 1000);
    const events = recordEvents(s, ['degraded', 'recovered']);
    markDegraded(s.core, 'get', 'k', refused(), 'backend-error');
    markDegraded(s.core, 'get', 'k', refused(), 'backend-error');
    expect(s.core.degraded).toBe(true);
    markRecovered(s.core, 'backend-ok');
    markRecovered(s.core, 'backend-ok');
    expect(events.map((e) => [e.type, e.detail?.reason])).toEqual([
      ['degraded', 'backend-error'],
      ['recovered', 'backend-ok'],
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await fallback.get('cache::k')).toBeUndefined();
  });

  it('io: a connection failure degrades and is answered by the fallback, then the fallback serves until retry', async () => {
    const backend = new ControlledBackend();
    const fallback = new MemoryBackend();
    const s = await readyScope({
      backend,
      fallback,
      bus: false,
      fallbackWarning: false,
      retryPrimaryAfterMs: 60_000,
      errorEvents: { intervalMs: 0 },
    });
    const errors = recordEvents(s, ['error']);
    backend.fault = () => refused();
    await fallback.set('k', new Uint8Array([7]), 1000);
    expect(
      await io(
        s,
        'get',
        'k',
        (b) => b.get('k'),
        () => undefined,
      ),
    ).toEqual(new Uint8Array([7]));
    expect(s.core.degraded).toBe(true);
    expect(errors).toHaveLength(1);
    const callsBefore = backend.calls.length;
    backend.fault = undefined;
    await io(
      s,
      'get',
      'k',
      (b) => b.get('k'),
      () => undefined,
    );
    expect(backend.calls.length).toBe(callsBefore); // still on the fallback
  });

  it('io: a key-scoped failure is reported with scope key and never degrades; onFail answers', async () => {
    const backend = new ControlledBackend();
    const s = await readyScope({ backend, bus: false, errorEvents: { intervalMs: 0 } });
    const errors = recordEvents(s, ['error']);
    backend.fault = () => new InfrastructureError('WRONGTYPE', { scope: 'key' });
    expect(
      await io(
        s,
        'get',
        'k',
        async (b): Promise<Uint8Array | string | undefined> => b.get('k'),
        () => 'failed',
      ),
    ).toBe('failed');
    expect(s.core.degraded).toBe(false);
    expect(errors[0]?.detail).toEqual({ scope: 'key' });
  });

  it('io: no I/O while the breaker is open (a circuit-open error event), and recovery once it answers', async () => {
    const backend = new ControlledBackend();
    const s = await readyScope({ backend, bus: false, errorEvents: { intervalMs: 0 } });
    const events = recordEvents(s, ['error', 'recovered']);
    backend.health.set('open', refused());
    expect(breakerOpen(s.core)).toBe(true);
    const before = backend.calls.length;
    expect(
      await io(
        s,
        'set',
        'k',
        async (b): Promise<string> => {
          await b.set('k', new Uint8Array(1), 10);
          return 'stored';
        },
        () => 'dropped',
      ),
    ).toBe('dropped');
    expect(backend.calls.length).toBe(before);
    expect(events.some((e) => e.type === 'error' && e.detail?.reason === 'circuit-open')).toBe(true);
    backend.health.set('closed');
    expect(s.core.degraded).toBe(false);
    expect(events.at(-1)?.type).toBe('recovered');
  });

  it('keyFailed with repair deletes the key; backendFailed degrades with the key as the namespace shows it', async () => {
    const backend = new ControlledBackend();
    const s = await readyScope(
      { backend, bus: false, errorEvents: { intervalMs: 0 } },
      ['ns'],
      () => 'shown',
    );
    const events = recordEvents(s, ['error', 'degraded']);
    await backend.inner.set('cache:ns::k', new Uint8Array(1), 1000);
    keyFailed(s, 'get', 'cache:ns::k', new Error('WRONGTYPE'), true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await backend.inner.get('cache:ns::k')).toBeUndefined();
    backendFailed(s, 'get', 'cache:ns::k', new Error('lost cache:ns::k'));
    expect(events.map((e) => [e.type, e.key])).toEqual([
      ['error', 'shown'],
      ['error', 'shown'],
      ['degraded', 'shown'],
    ]);
    expect(events[2]?.error?.message).toBe('lost shown');
  });
});
