/**
 * `LabelCap` (main entry): bounds the distinct values of one metrics label; past `max`
 * distinct values, new ones become `'other'`, while values already seen keep their name.
 */
import { describe, expect, it } from 'vitest';
import { LabelCap } from '../../src/index.js';

describe('LabelCap', () => {
  it('keeps the first `max` distinct values and maps later new ones to other', () => {
    const cap = new LabelCap(2);
    expect(cap.max).toBe(2);
    expect(cap.value('tenant-a')).toBe('tenant-a');
    expect(cap.value('tenant-b')).toBe('tenant-b');
    expect(cap.value('tenant-c')).toBe('other');
    expect(cap.value('tenant-d')).toBe('other');
  });

  it('values already seen keep their name after the cap is reached; repeats do not use up room', () => {
    const cap = new LabelCap(2);
    expect(['a', 'a', 'a', 'b'].map((v) => cap.value(v))).toEqual(['a', 'a', 'a', 'b']);
    expect(cap.value('c')).toBe('other');
    expect(cap.value('a')).toBe('a');
    expect(cap.value('b')).toBe('b');
  });

  it('a value mapped to other is not remembered: it stays other', () => {
    const cap = new LabelCap(1);
    cap.value('first');
    expect(cap.value('second')).toBe('other');
    expect(cap.value('second')).toBe('other');
    expect(cap.value('first')).toBe('first');
  });

  it('with max 0 every value is other', () => {
    const cap = new LabelCap(0);
    expect(cap.value('a')).toBe('other');
    expect(cap.value('')).toBe('other');
  });

  it('bounds the distinct outputs of any number of inputs to max + 1', () => {
    const cap = new LabelCap(5);
    const outputs = new Set(Array.from({ length: 1000 }, (_, i) => cap.value(`ns-${i % 250}`)));
    expect(outputs.size).toBe(6);
    expect(outputs.has('other')).toBe(true);
  });

  it('caps are independent of each other', () => {
    const namespaces = new LabelCap(1);
    const operations = new LabelCap(1);
    expect(namespaces.value('x')).toBe('x');
    expect(operations.value('y')).toBe('y');
    expect(namespaces.value('y')).toBe('other');
  });
});
