/**
 * The number formatting of the benchmark reports (`ai-response-cache/bench`): `formatDuration`,
 * `formatRate`, `formatRatio`, `formatPercent`, `formatBytes` and `markdownTable`.
 */
import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatDuration,
  formatPercent,
  formatRate,
  formatRatio,
  markdownTable,
} from '../../src/benchmark/index.js';

describe('formatDuration', () => {
  it('picks the unit that keeps 3 significant digits: ns, µs, ms, s', () => {
    expect(formatDuration(0.000085)).toBe('85.0 ns');
    expect(formatDuration(0.0000012)).toBe('1.20 ns');
    expect(formatDuration(0.0123)).toBe('12.3 µs');
    expect(formatDuration(0.5)).toBe('500 µs');
    expect(formatDuration(4.56)).toBe('4.56 ms');
    expect(formatDuration(45.6)).toBe('45.6 ms');
    expect(formatDuration(456)).toBe('456 ms');
    expect(formatDuration(1200)).toBe('1.20 s');
    expect(formatDuration(125_000)).toBe('125 s');
  });

  it('switches unit at 1 µs, 1 ms and 1 s', () => {
    expect(formatDuration(0.001)).toBe('1.00 µs');
    expect(formatDuration(1)).toBe('1.00 ms');
    expect(formatDuration(1000)).toBe('1.00 s');
  });

  it('keeps the sign of negative durations and writes non-finite ones as they are', () => {
    expect(formatDuration(-5)).toBe('-5.00 ms');
    expect(formatDuration(0)).toBe('0.00 ns');
    expect(formatDuration(Number.NaN)).toBe('NaN');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });
});

describe('formatRate', () => {
  it('rounds to whole operations per second with thousands separators', () => {
    expect(formatRate(1_234_567.4)).toBe('1,234,567');
    expect(formatRate(999.5)).toBe('1,000');
    expect(formatRate(12)).toBe('12');
  });

  it('compact: k and M with 3 significant digits, below 1000 as is', () => {
    expect(formatRate(1_234_567, true)).toBe('1.23M');
    expect(formatRate(12_345, true)).toBe('12.3k');
    expect(formatRate(123_456, true)).toBe('123k');
    expect(formatRate(999, true)).toBe('999');
  });

  it('writes non-finite rates as they are', () => {
    expect(formatRate(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(formatRate(Number.NaN, true)).toBe('NaN');
  });
});

describe('formatRatio', () => {
  it('two decimals below 10, one below 100, none from 100, then x', () => {
    expect(formatRatio(1.08)).toBe('1.08x');
    expect(formatRatio(0.5)).toBe('0.50x');
    expect(formatRatio(12.34)).toBe('12.3x');
    expect(formatRatio(123.4)).toBe('123x');
  });

  it('a dash for ratios that cannot be computed', () => {
    expect(formatRatio(Number.POSITIVE_INFINITY)).toBe('—');
    expect(formatRatio(Number.NaN)).toBe('—');
  });
});

describe('formatPercent', () => {
  it('a share of 0-1 as a percentage with one decimal; exactly 0 and 1 without', () => {
    expect(formatPercent(0.995)).toBe('99.5%');
    expect(formatPercent(0.5)).toBe('50.0%');
    expect(formatPercent(0.0001)).toBe('0.0%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0)).toBe('0%');
  });

  it('a dash for NaN and infinities', () => {
    expect(formatPercent(Number.NaN)).toBe('—');
    expect(formatPercent(Number.NEGATIVE_INFINITY)).toBe('—');
  });
});

describe('formatBytes', () => {
  it('B below 1 KB, KB with one decimal below 1 MB, MB with two (1 KB = 1024 B)', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KB');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(50_000)).toBe('48.8 KB');
    expect(formatBytes(1024 * 1024)).toBe('1.00 MB');
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.50 MB');
  });

  it('keeps the sign of negative sizes (a heap that shrank)', () => {
    expect(formatBytes(-2048)).toBe('-2.0 KB');
    expect(formatBytes(-100)).toBe('-100 B');
  });
});

describe('markdownTable', () => {
  it('a GitHub-flavoured table: header, separator, one line per row', () => {
    expect(
      markdownTable(
        ['Operation', 'p50'],
        [
          ['get', '1.20 µs'],
          ['set', '4.56 ms'],
        ],
      ),
    ).toBe(['| Operation | p50 |', '| --- | --- |', '| get | 1.20 µs |', '| set | 4.56 ms |'].join('\n'));
  });

  it('escapes | inside cells so that they do not split the row', () => {
    const table = markdownTable(['a|b'], [['x|y|z']]);
    expect(table).toBe('| a\\|b |\n| --- |\n| x\\|y\\|z |');
    for (const line of table.split('\n')) expect(line.split(/(?<!\\)\|/).length).toBe(3);
  });

  it('without rows it is the header and the separator', () => {
    expect(markdownTable(['only'], [])).toBe('| only |\n| --- |');
  });
});
