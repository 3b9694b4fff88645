/**
 * `markStatus` (main entry): records how a result was obtained beside the result, for
 * `cacheStatus` to read, without touching the result's shape. The status record is shared by
 * every integration (the openai and anthropic subpaths read the same one).
 */
import { describe, expect, it } from 'vitest';
import { cacheStatus, markStatus } from '../../../src/index.js';
import { cacheStatus as anthropicCacheStatus } from '../../../src/integrations/anthropic/index.js';
import { cacheStatus as openaiCacheStatus } from '../../../src/integrations/openai/index.js';

describe('markStatus', () => {
  it('returns the same object, unchanged, and cacheStatus reads the recorded status', () => {
    const result = { id: 'r1', choices: [{ text: 'hi' }] };
    const before = JSON.stringify(result);
    const marked = markStatus(result, 'hit');
    expect(marked).toBe(result);
    expect(JSON.stringify(result)).toBe(before);
    expect(Object.keys(result)).toEqual(['id', 'choices']);
    expect(Object.getOwnPropertySymbols(result)).toEqual([]);
    expect(cacheStatus(result)).toBe('hit');
  });

  it('a later mark replaces the earlier one; each object has its own status', () => {
    const a = {};
    const b = {};
    markStatus(a, 'miss');
    markStatus(b, 'coalesced');
    markStatus(a, 'stale');
    expect(cacheStatus(a)).toBe('stale');
    expect(cacheStatus(b)).toBe('coalesced');
    expect(cacheStatus({})).toBeUndefined();
  });

  it('marks any object (arrays and stream-like async iterables included), never a primitive', () => {
    const list: unknown[] = [];
    const stream = { async *[Symbol.asyncIterator]() {} };
    expect(markStatus(list, 'bypass')).toBe(list);
    expect(markStatus(stream, 'miss')).toBe(stream);
    expect(cacheStatus(list)).toBe('bypass');
    expect(cacheStatus(stream)).toBe('miss');
    expect(markStatus('text', 'hit')).toBe('text');
    expect(markStatus(42, 'hit')).toBe(42);
    expect(markStatus(null, 'hit')).toBeNull();
    expect(markStatus(undefined, 'hit')).toBeUndefined();
    expect(cacheStatus('text')).toBeUndefined();
    expect(cacheStatus(42)).toBeUndefined();
    expect(cacheStatus(null)).toBeUndefined();
  });

  it('is read by the cacheStatus of the openai and anthropic subpaths too', () => {
    const result = { answer: 42 };
    markStatus(result, 'coalesced');
    expect(openaiCacheStatus(result)).toBe('coalesced');
    expect(anthropicCacheStatus(result)).toBe('coalesced');
  });
});
