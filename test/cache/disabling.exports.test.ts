/**
 * `isDisabled` (main entry): whether an operation is disabled in the current async context, as
 * `disabling(ops, fn)` sets it; the cache's reads and writes consult it.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createCache, disabling, isDisabled, MemoryBackend } from '../../src/index.js';

describe('isDisabled', () => {
  it('is false for every operation outside disabling()', () => {
    expect(isDisabled('get')).toBe(false);
    expect(isDisabled('set')).toBe(false);
  });

  it('is true inside disabling() for the listed operations only, and false again after it', () => {
    const inside = disabling(['get'], () => [isDisabled('get'), isDisabled('set')]);
    expect(inside).toEqual([true, false]);
    expect(isDisabled('get')).toBe(false);
  });

  it('nested disabling() adds to the outer set; the outer set is back after the inner call', () => {
    disabling(['set'], () => {
      expect([isDisabled('get'), isDisabled('set')]).toEqual([false, true]);
      disabling(['get'], () => {
        expect([isDisabled('get'), isDisabled('set')]).toEqual([true, true]);
      });
      expect([isDisabled('get'), isDisabled('set')]).toEqual([false, true]);
    });
  });

  it('follows the async context across awaits, and concurrent contexts stay apart', async () => {
    const seen: string[] = [];
    const probe = async (label: string) => {
      await tick();
      seen.push(`${label}:${isDisabled('get')}`);
      await tick();
      seen.push(`${label}:${isDisabled('get')}`);
    };
    await Promise.all([disabling(['get'], () => probe('off')), probe('on')]);
    expect(seen.filter((s) => s.startsWith('off:'))).toEqual(['off:true', 'off:true']);
    expect(seen.filter((s) => s.startsWith('on:'))).toEqual(['on:false', 'on:false']);
  });

  it('is what the cache checks: a disabled get is a miss, a disabled set stores nothing', async () => {
    const cache = createCache({ prefix: 'disabling-exports', backend: new MemoryBackend() });
    await cache.set('k', 'v');
    expect(await disabling(['get'], () => cache.get('k'))).toBeUndefined();
    expect(await cache.get('k')).toBe('v');
    await disabling(['set'], () => cache.set('other', 'x'));
    expect(await cache.get('other')).toBeUndefined();
    await cache.close();
  });
});
