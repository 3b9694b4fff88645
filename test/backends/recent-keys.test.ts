import { describe, expect, it } from 'vitest';
import { checkDedupWindow, DEFAULT_KEYS_DEDUP_WINDOW, RecentKeys } from '../../src/backends/recent-keys.js';
import { ValidationError, type ValidationIssue } from '../../src/errors.js';

describe('RecentKeys', () => {
  it('never holds more than its window, however many keys it sees', () => {
    const recent = new RecentKeys(16);
    let newKeys = 0;
    for (let i = 0; i < 10_000; i++) {
      if (recent.add(`key-${i}`)) newKeys++;
      expect(recent.size).toBe(Math.min(i + 1, 16));
    }
    expect(newKeys).toBe(10_000);
    expect(recent.size).toBe(16);
  });

  it('reports a key seen again within the window as a duplicate', () => {
    const recent = new RecentKeys(3);
    expect(recent.add('a')).toBe(true);
    expect(recent.add('a')).toBe(false);
    expect(recent.add('b')).toBe(true);
    expect(recent.add('c')).toBe(true);
    // a, b, c are the last three: all still duplicates.
    expect([recent.add('a'), recent.add('b'), recent.add('c')]).toEqual([false, false, false]);
    expect(recent.size).toBe(3);
  });

  it('forgets the oldest key once the window is full (a duplicate seen again is not extra memory)', () => {
    const recent = new RecentKeys(2);
    recent.add('a');
    recent.add('b');
    expect(recent.add('a')).toBe(false); // a duplicate does not move a within the window
    expect(recent.add('c')).toBe(true); // evicts a, the oldest
    expect(recent.add('a')).toBe(true); // a is new again, evicts b
    expect(recent.add('c')).toBe(false);
    expect(recent.add('b')).toBe(true);
    expect(recent.size).toBe(2);
  });

  it('a window of one remembers the last key only', () => {
    const recent = new RecentKeys(1);
    expect([recent.add('a'), recent.add('a'), recent.add('b'), recent.add('a')]).toEqual([
      true,
      false,
      true,
      true,
    ]);
  });

  it('defaults to DEFAULT_KEYS_DEDUP_WINDOW and rejects a window that is not a positive integer', () => {
    expect(new RecentKeys().window).toBe(DEFAULT_KEYS_DEDUP_WINDOW);
    expect(DEFAULT_KEYS_DEDUP_WINDOW).toBe(100_000);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new RecentKeys(bad)).toThrow(ValidationError);
    }
  });

  it('checkDedupWindow lists a bad keysDedupWindow and accepts an absent or positive integer one', () => {
    const issues: ValidationIssue[] = [];
    checkDedupWindow(issues, 'keysDedupWindow', undefined);
    checkDedupWindow(issues, 'keysDedupWindow', 1);
    checkDedupWindow(issues, 'keysDedupWindow', 100_000);
    expect(issues).toEqual([]);
    checkDedupWindow(issues, 'keysDedupWindow', '10');
    checkDedupWindow(issues, 'keysDedupWindow', 0);
    expect(issues).toEqual([
      { path: 'keysDedupWindow', message: 'expected a positive integer (got 10)' },
      { path: 'keysDedupWindow', message: 'expected a positive integer (got 0)' },
    ]);
  });
});
