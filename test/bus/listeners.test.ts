import { describe, expect, it } from 'vitest';
import { addRemovable, checkHandler, dispatch, safeReport } from '../../src/bus/listeners.js';
import { ValidationError } from '../../src/errors.js';

describe('bus listener helpers', () => {
  it('addRemovable: a listener added twice is called twice, and each removal removes one', () => {
    const set = new Set<(n: number) => void>();
    const calls: number[] = [];
    const listener = (n: number) => calls.push(n);
    const removeFirst = addRemovable(set, listener);
    const removeSecond = addRemovable(set, listener);
    dispatch(set, 1, () => {});
    removeFirst();
    removeFirst();
    dispatch(set, 2, () => {});
    removeSecond();
    dispatch(set, 3, () => {});
    expect(calls).toEqual([1, 1, 2]);
  });

  it('dispatch: a throwing listener is reported and the others still run, on a snapshot', () => {
    const set = new Set<(n: number) => void>();
    const calls: string[] = [];
    const reported: unknown[] = [];
    const boom = new Error('boom');
    addRemovable(set, () => {
      throw boom;
    });
    addRemovable(set, (n) => {
      calls.push(`second ${n}`);
      // Added during dispatch: not called for this message.
      addRemovable(set, () => calls.push('late'));
    });
    dispatch(set, 7, (error) => reported.push(error));
    expect(reported).toEqual([boom]);
    expect(calls).toEqual(['second 7']);
  });

  it('safeReport: passes an Error, swallows what onError throws, ignores a missing handler', () => {
    const seen: Error[] = [];
    safeReport((error) => seen.push(error), 'text');
    expect(seen[0]).toBeInstanceOf(Error);
    expect(seen[0]?.message).toContain('text');
    expect(() =>
      safeReport(() => {
        throw new Error('handler failed');
      }, new Error('x')),
    ).not.toThrow();
    expect(() => safeReport(undefined, new Error('x'))).not.toThrow();
  });

  it('checkHandler: rejects a non-function with a ValidationError naming the argument', () => {
    expect(() => checkHandler(() => {}, 'handler')).not.toThrow();
    expect(() => checkHandler('x', 'listener')).toThrow(ValidationError);
    expect(() => checkHandler(undefined, 'listener')).toThrow(/Invalid listener argument/);
  });
});
