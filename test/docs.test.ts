import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optionRows } from '../scripts/options-table.js';
import { DEFAULT_BUDGET_MS } from '../src/cache/budget.js';
import { CACHE_DEFAULTS } from '../src/cache/defaults.js';
import { CACHE_OPTION_KEYS, L1_OPTION_KEYS } from '../src/cache/options-check.js';
import { DEFAULT_COMPRESSION_THRESHOLD } from '../src/compression/codec.js';
import { ENVIRONMENT_VARIABLES } from '../src/config/env.js';
import { AICacheConfigSchema } from '../src/config/public.js';
import { parseConfig } from '../src/config/validate.js';
import { WarningCodes } from '../src/warnings.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The rows of the first table after `heading`, as cells (header and separator dropped). */
function tableAfter(heading: string): string[][] {
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, `README has no "${heading}" section`).toBeGreaterThanOrEqual(0);
  const lines = readme.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** `` `"1h"` `` -> `'1h'`; a cell that is not a backticked JSON value stays text. */
function cellValue(cell: string): unknown {
  const match = /^`(.*)`$/.exec(cell);
  if (!match) return cell;
  try {
    return JSON.parse(match[1] as string);
  } catch {
    return cell;
  }
}

/** The value at a dotted path of an object (`undefined` when absent). */
function at(object: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], object);
}

describe('README stays in sync with the code', () => {
  it('documents every option with its default, as generated from the zod schema', () => {
    const missing = optionRows().filter((row) => !readme.includes(row));
    expect(missing, 'regenerate with: npx tsx scripts/options-table.ts').toEqual([]);
  });

  it('documents every AI_CACHE_* environment variable', () => {
    expect(
      ENVIRONMENT_VARIABLES.map((v) => v.name).filter((name) => !readme.includes(`\`${name}\``)),
    ).toEqual([]);
  });

  it('the Defaults table matches the code: createCache (CACHE_DEFAULTS) and AIResponseCache (its parsed configuration)', () => {
    const rows = tableAfter('### Defaults');
    const options = rows.map((row) => (row[0] ?? '').replace(/`/g, ''));
    // Every default of the code has a row, and every row names a real option.
    expect(Object.keys(CACHE_DEFAULTS).filter((path) => !options.includes(path))).toEqual([]);
    const known = [
      ...CACHE_OPTION_KEYS,
      ...L1_OPTION_KEYS.map((k) => `l1.${k}`),
      'compression.codec',
      'compression.threshold',
      'errorEvents.intervalMs',
    ];
    expect(options.filter((path) => !known.includes(path))).toEqual([]);
    const ai = parseConfig(AICacheConfigSchema, {});
    const wrong: string[] = [];
    for (const [option, generic, forAi] of rows.map((row) => [
      (row[0] ?? '').replace(/`/g, ''),
      row[1] ?? '',
      row[2] ?? '',
    ])) {
      const code = (CACHE_DEFAULTS as Record<string, unknown>)[option as string];
      if (code !== undefined && JSON.stringify(cellValue(generic as string)) !== JSON.stringify(code))
        wrong.push(`${option}: createCache column says ${generic}, the code ${JSON.stringify(code)}`);
      const aiValue = at(ai, option as string);
      const expected = forAi === 'same' ? (code ?? generic) : cellValue(forAi as string);
      if (aiValue !== undefined && code !== undefined && JSON.stringify(aiValue) !== JSON.stringify(expected))
        wrong.push(
          `${option}: AIResponseCache column says ${forAi}, its configuration ${JSON.stringify(aiValue)}`,
        );
    }
    expect(wrong).toEqual([]);
    // The defaults the cache takes from other modules agree with CACHE_DEFAULTS.
    expect(DEFAULT_BUDGET_MS).toBe(CACHE_DEFAULTS.budget);
    expect(DEFAULT_COMPRESSION_THRESHOLD).toBe(CACHE_DEFAULTS['compression.threshold']);
  });

  it('the Warnings section lists every warning code', () => {
    const codes = tableAfter('### Warnings').map((row) => (row[0] ?? '').replace(/`/g, ''));
    expect(codes.sort()).toEqual(Object.values(WarningCodes).sort());
  });

  it('shows the two commands', () => {
    expect(readme).toContain('npm install && npm run demo');
    expect(readme).toContain('npm install && npm test');
  });
});
