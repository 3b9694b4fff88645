import { describe, expect, it } from 'vitest';
import { openCore } from '../../src/cache/lifecycle.js';
import { createScope, emitFor, invoke, keyBuilder, reportFor, shown } from '../../src/cache/scope.js';
import { recordEvents } from './fixtures/scope.js';

const hide = (full: string) => `hidden(${full.length})`;

describe('scope module', () => {
  it('createScope: tag scopes per enclosing namespace; the key builder once the hasher is loaded', async () => {
    const { core } = openCore({ prefix: 'p' });
    const first = createScope(core, ['a', 'c']);
    expect(first.tagScopes).toEqual(['', 'a', 'a:c']);
    expect(first.keys).toBeUndefined();
    const keys = await keyBuilder(first);
    expect(keys.key('k')).toBe('p:a:c::k');
    expect(await keyBuilder(first)).toBe(keys);
    // The hasher is shared: a scope made afterwards has its key builder at once.
    expect(createScope(core, ['x']).keys?.key('k')).toBe('p:x::k');
  });

  it('shown uses describeKey except for the empty key', () => {
    const { core } = openCore({});
    const s = createScope(core, ['ns'], hide);
    expect(shown(s, 'airc:ns::abc')).toBe('hidden(12)');
    expect(shown(s, '')).toBe('');
    expect(shown(createScope(core, []), 'airc::k')).toBe('airc::k');
  });

  it('emitFor and reportFor show the key (and the key inside errors) as the namespace does', () => {
    const { core } = openCore({ errorEvents: { intervalMs: 0 } });
    const s = createScope(core, ['ns'], hide);
    const events = recordEvents(s, ['miss', 'error', 'clear']);
    const full = 'airc:ns::secret';
    emitFor(s, 'miss', 'get', full, 'none');
    reportFor(s, 'get', full, new Error(`cannot read ${full}`));
    emitFor(s, 'clear', 'clear', 'airc:ns:', 'none');
    expect(events.map((e) => e.key)).toEqual(['hidden(15)', 'hidden(15)', 'airc:ns:']);
    expect(events[1]?.error?.message).toBe('cannot read hidden(15)');
  });

  it('invoke calls every callbacks object; a throwing or rejecting one is an error event', async () => {
    const { core } = openCore({ errorEvents: { intervalMs: 0 } });
    const s = createScope(core, []);
    const events = recordEvents(s, ['error']);
    const seen: string[] = [];
    core.callbacks.push({
      onMiss: () => {
        throw new Error('sync');
      },
    });
    core.callbacks.push({ onMiss: async () => Promise.reject(new Error('async')) });
    core.callbacks.push({ onMiss: (ctx) => void seen.push(ctx.key) });
    invoke(s, 'onMiss', 'airc::k', { key: 'airc::k', durationMs: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['airc::k']);
    expect(events.map((e) => [e.op, e.error?.message, e.detail?.callback])).toEqual([
      ['callback', 'sync', 'onMiss'],
      ['callback', 'async', 'onMiss'],
    ]);
  });
});
