import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { LocalInvalidationBus } from '../../src/bus/index.js';
import { type Core, type CoreWiring, createCore } from '../../src/cache/core.js';
import type { LimitedError } from '../../src/cache/events.js';
import { TagStamps } from '../../src/cache/tag-stamps.js';
import { ValidationError } from '../../src/errors.js';
import { ControlledBackend } from '../helpers/health-backend.js';

function spyWiring() {
  const calls: string[] = [];
  const delivered: LimitedError[] = [];
  const wiring: CoreWiring = {
    deliverError: (_core: Core, report: LimitedError) => void delivered.push(report),
    attachBus: () => void calls.push('bus'),
    attachHealth: () => void calls.push('health'),
  };
  return { wiring, calls, delivered };
}

describe('createCore', () => {
  it('builds the shared state from the options, with bounded tag stamps', () => {
    const { wiring, calls } = spyWiring();
    const { core, namespaces } = createCore({ prefix: 'p', ttl: '1m', namespace: 'ns' }, wiring);
    expect(namespaces).toEqual(['ns']);
    expect(core.prefix).toBe('p');
    expect(core.defaultTtlMs).toBe(60_000);
    expect(core.tagStamps).toBeInstanceOf(TagStamps);
    expect(core.bus).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('attaches the bus and the backend health through the wiring it is given', () => {
    const { wiring, calls } = spyWiring();
    const bus = new LocalInvalidationBus();
    createCore({ backend: new ControlledBackend(), bus }, wiring);
    expect(calls).toEqual(['bus', 'health']);
    const plain = spyWiring();
    createCore({ backend: new MemoryBackend(), bus: false }, plain.wiring);
    expect(plain.calls).toEqual([]);
  });

  it('delivers rate-limited errors through the wiring', () => {
    const { wiring, delivered } = spyWiring();
    const { core } = createCore({ errorEvents: { intervalMs: 0 } }, wiring);
    core.errors.report('get', 'k', new Error('x'), undefined);
    expect(delivered).toMatchObject([{ op: 'get', key: 'k', suppressed: 0 }]);
  });

  it('lists every invalid option in one ValidationError', () => {
    const { wiring } = spyWiring();
    try {
      createCore({ maxKeyLength: 3, owns: { disk: true } as never, TTL: 1 } as never, wiring);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const paths = (error as ValidationError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['maxKeyLength', 'owns.disk', 'TTL']));
    }
  });
});
