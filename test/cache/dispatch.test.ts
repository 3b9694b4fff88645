import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { deliverError, emitEvent, redactKeyInError, reportError } from '../../src/cache/dispatch.js';
import type { CacheEvent } from '../../src/cache/events.js';
import { InfrastructureError } from '../../src/errors.js';
import { readyScope, recordEvents } from './fixtures/scope.js';

describe('dispatch module', () => {
  it('emitEvent builds one event with the backend name filled in', async () => {
    const s = await readyScope({ backend: new MemoryBackend(), bus: false });
    const events = recordEvents(s, ['set']);
    emitEvent(s.core, 'set', 'set', 'k', 'l2', { bytes: 3 });
    expect(events).toEqual([{ type: 'set', op: 'set', key: 'k', tier: 'l2', bytes: 3, backend: 'memory' }]);
  });

  it('reportError counts every error, and delivers nothing when nobody listens', async () => {
    const s = await readyScope({ errorEvents: { intervalMs: 0 } });
    reportError(s.core, 'get', 'k', new Error('x'));
    expect(s.core.counters.errors).toBe(1);
    const events = recordEvents(s, ['error']);
    const seen: unknown[] = [];
    s.core.callbacks.push({ onError: (ctx) => void seen.push(ctx) });
    reportError(s.core, 'get', 'k', 'not an error');
    expect(s.core.counters.errors).toBe(2);
    expect(events).toHaveLength(1);
    expect(events[0]?.error).toBeInstanceOf(Error);
    expect(seen).toEqual([{ key: 'k', op: 'get', error: events[0]?.error }]);
  });

  it('deliverError adds the suppressed count, uses tier none for callbacks, and survives a throwing onError', async () => {
    const s = await readyScope();
    const events = recordEvents(s, ['error']);
    const calls: unknown[] = [];
    s.core.callbacks.push({
      onError: () => {
        throw new Error('callback bug');
      },
    });
    s.core.callbacks.push({ onError: (ctx) => void calls.push(ctx.suppressed) });
    const error = new Error('boom');
    deliverError(s.core, { op: 'callback', key: 'k', error, detail: { reason: 'r' }, suppressed: 4 });
    expect(events).toMatchObject([{ op: 'callback', tier: 'none', detail: { reason: 'r', suppressed: 4 } }]);
    expect(calls).toEqual([4]);
  });

  it('redactKeyInError replaces the full key everywhere (message, stack, fields, cause) in a copy of the same class', () => {
    const full = 'airc::prompt:secret text';
    const cause = new Error(`read ${full} failed`);
    const error = new InfrastructureError(`get ${full}`, { cause, context: { key: full } });
    const copy = redactKeyInError(error, full, 'airc::#h');
    expect(copy).not.toBe(error);
    expect(copy).toBeInstanceOf(InfrastructureError);
    expect(copy.message).toBe('get airc::#h');
    expect(copy.stack).not.toContain('secret');
    expect((copy as InfrastructureError).context).toEqual({ key: 'airc::#h' });
    expect(Object.isFrozen((copy as InfrastructureError).context)).toBe(Object.isFrozen(error.context));
    expect((copy.cause as Error).message).toBe('read airc::#h failed');
    // The original is untouched; an error that never mentions the key is returned as is.
    expect(error.message).toContain('secret');
    const unrelated = new Error('timeout');
    expect(redactKeyInError(unrelated, full, 'x')).toBe(unrelated);
    expect(redactKeyInError(error, full, full)).toBe(error);
  });

  it('events are one plain object per emit (no listener, no event)', async () => {
    const s = await readyScope();
    const events: CacheEvent[] = [];
    emitEvent(s.core, 'hit', 'get', 'k', 'l1');
    s.core.emitter.on('hit', (e) => events.push(e));
    emitEvent(s.core, 'hit', 'get', 'k', 'l1');
    expect(events).toHaveLength(1);
    expect(events[0]).not.toHaveProperty('backend');
  });
});
