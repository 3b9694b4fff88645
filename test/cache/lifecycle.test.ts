import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { addCallbacks, close, connect, isDegraded, openCore, statsOf } from '../../src/cache/lifecycle.js';
import { createScope } from '../../src/cache/scope.js';
import { InfrastructureError } from '../../src/errors.js';
import { ControlledBackend } from '../helpers/health-backend.js';
import { recordEvents } from './fixtures/scope.js';

describe('lifecycle module', () => {
  it('openCore wires the backend health: an open breaker degrades the new cache at once', () => {
    const backend = new ControlledBackend();
    backend.health.set('open', new Error('down'));
    const { core, namespaces } = openCore({ backend, bus: false, namespace: 'app' });
    expect(namespaces).toEqual(['app']);
    expect(core.degraded).toBe(true);
    expect(isDegraded(createScope(core, []))).toBe(true);
  });

  it('connect: a backend that cannot connect degrades, or throws with failOnConnectionError', async () => {
    const failing = Object.assign(new MemoryBackend(), {
      connect: async () => {
        throw new InfrastructureError('ECONNREFUSED');
      },
    });
    const soft = createScope(openCore({ backend: failing, bus: false }).core, []);
    const events = recordEvents(soft, ['degraded']);
    await connect(soft);
    expect(soft.core.degraded).toBe(true);
    expect(events).toHaveLength(1);
    const strict = createScope(
      openCore({ backend: failing, bus: false, failOnConnectionError: true }).core,
      [],
    );
    await expect(connect(strict)).rejects.toBeInstanceOf(InfrastructureError);
  });

  it('addCallbacks registers in order and the returned function removes only that object', () => {
    const { core } = openCore({});
    const a = {};
    const b = {};
    const removeA = addCallbacks(core, a);
    addCallbacks(core, b);
    expect(core.callbacks).toEqual([a, b]);
    removeA();
    removeA();
    expect(core.callbacks).toEqual([b]);
  });

  it('statsOf reports the shared counters, L1 size and backend', () => {
    const { core } = openCore({ backend: new MemoryBackend(), bus: false });
    core.counters.hits = 3;
    core.counters.misses = 1;
    expect(statsOf(createScope(core, []))).toMatchObject({
      hits: 3,
      misses: 1,
      hitRatio: 0.75,
      l1: { entries: 0, enabled: true },
      l2: { backend: 'memory' },
      degraded: false,
      breaker: undefined,
    });
  });

  it('close closes each owned component once (even given twice), keeps unowned ones, and runs once', async () => {
    const backend = new ControlledBackend();
    const fallback = new ControlledBackend();
    const { core } = openCore({ backend, fallback: backend, bus: false });
    const s = createScope(core, []);
    await close(s);
    await close(s);
    expect(backend.closed).toBe(1);
    const keep = openCore({ backend: fallback, bus: false, owns: false }).core;
    await close(createScope(keep, []));
    expect(fallback.closed).toBe(0);
  });

  it('close reports a failing component as an error event with op close, and resolves', async () => {
    const backend = Object.assign(new MemoryBackend(), {
      close: async () => {
        throw new Error('close failed');
      },
    });
    const { core } = openCore({ backend, bus: false, errorEvents: { intervalMs: 0 } });
    const s = createScope(core, []);
    const events = recordEvents(s, ['error']);
    await close(s);
    expect(events).toMatchObject([{ op: 'close' }]);
  });
});
