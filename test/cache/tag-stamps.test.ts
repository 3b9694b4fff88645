import { describe, expect, it } from 'vitest';
import { TAG_STAMPS_MAX, TagStamps } from '../../src/cache/tag-stamps.js';

describe('TagStamps', () => {
  it('keeps the latest invalidation time of each id; an older raise changes nothing', () => {
    const stamps = new TagStamps();
    stamps.raise('#a', 100);
    stamps.raise('#a', 50);
    expect(stamps.get('#a')).toBe(100);
    stamps.raise('#a', 150);
    expect(stamps.get('#a')).toBe(150);
    expect(stamps.size).toBe(1);
    expect(stamps.floor).toBe(Number.NEGATIVE_INFINITY);
  });

  it('an entry is invalidated by a stamp of one of its ids at or after its creation only', () => {
    const stamps = new TagStamps();
    stamps.raise('#a', 100);
    expect(stamps.invalidated(['#a'], 100)).toBe(true);
    expect(stamps.invalidated(['#a'], 99)).toBe(true);
    expect(stamps.invalidated(['#a'], 101)).toBe(false);
    expect(stamps.invalidated(['#b'], 0)).toBe(false);
    expect(stamps.invalidated(['#b', '#a'], 50)).toBe(true);
  });

  it('never holds more than max stamps: the least recently raised is forgotten and becomes the floor', () => {
    const stamps = new TagStamps(3);
    stamps.raise('#a', 10);
    stamps.raise('#b', 20);
    stamps.raise('#c', 30);
    stamps.raise('#a', 40); // raised again: now the most recent
    stamps.raise('#d', 50); // over the cap: '#b' (least recently raised) goes
    expect(stamps.size).toBe(3);
    expect(stamps.get('#b')).toBeUndefined();
    expect(stamps.floor).toBe(20);
    for (let i = 0; i < 1000; i++) stamps.raise(`#t${i}`, 100 + i);
    expect(stamps.size).toBe(3);
    expect(stamps.floor).toBe(100 + 996);
  });

  it('after forgetting, tagged entries created up to the floor are misses (never stale hits); newer ones are not', () => {
    const stamps = new TagStamps(2);
    stamps.raise('#a', 10);
    stamps.raise('#b', 20);
    stamps.raise('#c', 30); // '#a' forgotten, floor 10
    // An entry tagged 'a' created at 5 was invalidated by the forgotten stamp: still a miss.
    expect(stamps.invalidated(['#a'], 5)).toBe(true);
    // Conservative for any tag up to the floor, exact after it.
    expect(stamps.invalidated(['#z'], 10)).toBe(true);
    expect(stamps.invalidated(['#z'], 11)).toBe(false);
    expect(stamps.invalidated(['#b'], 15)).toBe(true);
    // Untagged entries are never affected.
    expect(stamps.invalidated([], 0)).toBe(false);
  });

  it('a raise at or below the floor is not stored (the floor already covers it)', () => {
    const stamps = new TagStamps(1);
    stamps.raise('#a', 10);
    stamps.raise('#b', 20); // '#a' forgotten, floor 10
    stamps.raise('#c', 5);
    expect(stamps.get('#c')).toBeUndefined();
    expect(stamps.get('#b')).toBe(20);
    expect(stamps.invalidated(['#c'], 5)).toBe(true);
  });

  it('defaults to TAG_STAMPS_MAX and rejects a cap that is not a positive integer', () => {
    const stamps = new TagStamps();
    for (let i = 0; i <= TAG_STAMPS_MAX; i++) stamps.raise(`#t${i}`, i + 1);
    expect(stamps.size).toBe(TAG_STAMPS_MAX);
    expect(stamps.floor).toBe(1);
    expect(() => new TagStamps(0)).toThrow(RangeError);
    expect(() => new TagStamps(1.5)).toThrow(RangeError);
  });
});
