import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optionRows } from '../scripts/options-table.js';
import { AIResponseCache } from '../src/ai-cache/ai-response-cache.js';
import { CALL_PATH_OPTIONS, resolveSettings } from '../src/ai-cache/call/settings.js';
import { DEFAULT_BUDGET_MS } from '../src/cache/budget.js';
import { CACHE_DEFAULTS } from '../src/cache/defaults.js';
import { CACHE_OPTION_KEYS, L1_OPTION_KEYS } from '../src/cache/options-check.js';
import { parseTtl } from '../src/cache/ttl.js';
import { DEFAULT_COMPRESSION_THRESHOLD } from '../src/compression/codec.js';
import { ENVIRONMENT_VARIABLES, parseConfig } from '../src/config/index.js';
import { AICacheConfigSchema, CacheConfigSchema } from '../src/config/public.js';
import { DEFAULT_CACHE_FINISH_REASONS, DEFAULT_OPERATIONS } from '../src/integrations/openai/index.js';
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

  it('the createCache column is also what the generic CacheConfigSchema resolves (CacheFactory.forWebApp, fromConfig)', () => {
    const generic = parseConfig(CacheConfigSchema, {});
    const wrong: string[] = [];
    let compared = 0;
    for (const row of tableAfter('### Defaults')) {
      const option = (row[0] ?? '').replace(/`/g, '');
      const value = at(generic, option);
      if (value === undefined) continue;
      compared++;
      if (JSON.stringify(value) !== JSON.stringify(cellValue(row[1] ?? '')))
        wrong.push(
          `${option}: createCache column says ${row[1]}, CacheConfigSchema ${JSON.stringify(value)}`,
        );
    }
    expect(compared).toBeGreaterThanOrEqual(10);
    expect(wrong).toEqual([]);
  });

  it('names the compression threshold default of each API where the stored entry is described', () => {
    const ai = parseConfig(AICacheConfigSchema, {});
    expect(ai.compressionThreshold).toBe(ai.compression.threshold);
    expect(readme).toContain(
      `(default ${DEFAULT_COMPRESSION_THRESHOLD} with \`createCache\`, ${ai.compression.threshold} with \`AIResponseCache\`;`,
    );
    // Every "default N" said of a compression threshold (prose and benchmark results, `1.0 KB`
    // included) is one of the two real defaults.
    const said = [
      ...readme.matchAll(/(?:threshold[^.|\n]{0,40}?\(?default|default threshold):? (\d[\d,.]*)( KB)?/gi),
    ].map((m) => Math.round(Number((m[1] as string).replace(/,/g, '')) * (m[2] ? 1024 : 1)));
    expect(said.length).toBeGreaterThanOrEqual(3);
    expect(said.filter((n) => n !== DEFAULT_COMPRESSION_THRESHOLD && n !== ai.compression.threshold)).toEqual(
      [],
    );
  });

  it('the withCache options table matches the call path and the openai codec', async () => {
    const rows = tableAfter('### withCache options');
    const cells = new Map(rows.map((row) => [(row[0] ?? '').replace(/`/g, ''), row[1] ?? '']));
    // Every option withCache(openai) accepts has a row, and no other.
    expect([...cells.keys()].sort()).toEqual([...CALL_PATH_OPTIONS, 'cacheFinishReasons'].sort());
    const ai = new AIResponseCache();
    try {
      const settings = resolveSettings({ cache: ai }, 'withCache');
      expect(cellValue(cells.get('streams') ?? '')).toBe(settings.streams);
      expect(cellValue(cells.get('sampling') ?? '')).toEqual(settings.sampling);
      expect(cellValue(cells.get('drain') ?? '')).toEqual(settings.drain);
      const lock = cellValue(cells.get('lock') ?? '') as { ttl: string; wait: string; onTimeout: string };
      expect({ ttlMs: parseTtl(lock.ttl), waitMs: parseTtl(lock.wait), onTimeout: lock.onTimeout }).toEqual(
        settings.lock,
      );
    } finally {
      await ai.close();
    }
    expect(cellValue(cells.get('cacheFinishReasons') ?? '')).toEqual([...DEFAULT_CACHE_FINISH_REASONS]);
    expect(cells.get('operation')).toBe(
      `${Object.values(DEFAULT_OPERATIONS)
        .map((name) => `\`${JSON.stringify(name)}\``)
        .join(', ')} (by endpoint)`,
    );
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
