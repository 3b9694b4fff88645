import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  distEntry,
  distIsStale,
  importCases,
  MIN_IMPORT_RUNS,
  measureColdImports,
} from '../../benchmarks/scenarios/import.js';

const scratch = mkdtempSync(join(tmpdir(), 'arc-import-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A package root with src/a.ts and, when `built`, dist/index.js and dist/index.cjs. */
function fakeRoot(name: string, built: boolean): string {
  const root = join(scratch, name);
  mkdirSync(join(root, 'src'), { recursive: true });
  writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 1;\n');
  if (built) {
    mkdirSync(join(root, 'dist'));
    const cache = '({ set: async () => {}, get: async () => 1, close: async () => {} })';
    writeFileSync(join(root, 'dist', 'index.js'), `export const createCache = () => ${cache};\n`);
    writeFileSync(join(root, 'dist', 'index.cjs'), `exports.createCache = () => ${cache};\n`);
  }
  return root;
}

describe('the import scenario', () => {
  it('fails with the build command when dist/index.js is missing', () => {
    const root = fakeRoot('unbuilt', false);
    expect(() => distEntry(root)).toThrow(/dist\/index\.js is missing: run `npm run build` first/);
    expect(() => importCases(root, join(scratch, 'none.mjs'))).toThrow(/npm run build/);
  });

  it('tells a dist older than src from a fresh one', () => {
    const root = fakeRoot('stale', true);
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'dist', 'index.js'), past, past);
    expect(distIsStale(root)).toBe(true);
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'dist', 'index.js'), future, future);
    expect(distIsStale(root)).toBe(false);
  });

  it('times every case in fresh processes, interleaved, one sample per process', async () => {
    const root = fakeRoot('built', true);
    const empty = join(scratch, 'empty.mjs');
    writeFileSync(empty, 'export {};\n');
    const cases = importCases(root, empty);
    expect(cases.map((c) => c.kind)).toEqual(['limit', 'info', 'ours', 'info', 'info']);
    const runs = 2;
    const results = await measureColdImports(cases, runs, root);
    expect(results.map((r) => r.name)).toEqual(cases.map((c) => c.name));
    for (const r of results) {
      expect(r.importMs).toHaveLength(runs);
      expect(r.processMs).toHaveLength(runs);
      for (let i = 0; i < runs; i++) {
        expect(r.importMs[i]).toBeGreaterThan(0);
        // A process lives longer than the one import it timed.
        expect(r.processMs[i]).toBeGreaterThan(r.importMs[i] as number);
      }
    }
    expect(MIN_IMPORT_RUNS).toBeGreaterThanOrEqual(9);
  }, 60_000);

  it('reports a failing case with its stderr', async () => {
    await expect(
      measureColdImports(
        [{ name: 'broken', kind: 'ours', code: "await import('./does-not-exist.mjs');" }],
        1,
        scratch,
      ),
    ).rejects.toThrow(/exited with 1: .*does-not-exist/s);
  });
});
